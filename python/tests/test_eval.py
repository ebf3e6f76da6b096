"""The accuracy harness, tiny settings on the CPU: every path runs and reports."""

import json

import torch

from bwta import eval as harness


def test_embedding_metrics():
    g = torch.Generator().manual_seed(0)
    e = torch.randn(30, 8, generator=g)
    same = harness.embedding_metrics(e, e)
    assert abs(same["cos"] - 1) < 1e-6 and same["nn@10"] == 1.0 and same["nn@1"] == 1.0
    noisy = harness.embedding_metrics(e + 0.5 * torch.randn(30, 8, generator=g), e)
    assert noisy["cos"] < 1 and noisy["nn@10"] < 1


def test_tiny_run_reports_every_row(tiny_bert_dir, tmp_path, capsys):
    out = tmp_path / "results.json"
    assert harness.main(["--tiny", "--device", "cpu", "--bert", str(tiny_bert_dir),
                         "--llama", str(tmp_path / "llama"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| BWTA + SMSQ |" in printed and "closes" in printed
    results = json.loads(out.read_text())
    for part, key in (("encoder", "cos"), ("decoder", "ppl")):
        assert set(results[part]) == set(harness.ROW_NAMES)
        assert all(row[key] == row[key] for row in results[part].values())  # no NaN
    assert (tmp_path / "llama" / "model.safetensors").exists()  # trained once, reused next time
    assert results["decoder"]["w8a8 RTN"]["ppl"] < results["decoder"]["bwta RTN"]["ppl"]


def test_methods_and_settings_select_rows(tmp_path, capsys):
    out = tmp_path / "results.json"
    assert harness.main(["--tiny", "--device", "cpu", "--skip", "encoder", "--methods", "smsq",
                         "--set", "llama_smsq_steps=[2,2,2,3]", "--out", str(out)]) == 0
    results = json.loads(out.read_text())
    assert set(results["decoder"]) == {"FP", "bwta RTN", "bwta SMSQ"}
    assert results["decoder"]["bwta SMSQ"]["steps"] == [2, 2, 2, 3]
    assert results["settings"]["llama_smsq_steps"] == [2, 2, 2, 3]
