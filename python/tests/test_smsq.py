"""SMSQ: staged quantizers, magnitude alignment, distillation, export."""

import copy

import pytest
import torch

from bwta import schemes, smsq
from bwta.models.bert import Bert
from bwta.models.llama import Llama, perplexity, windows
from bwta.ste import quantizer


def test_staged_blends_and_aligns():
    x = torch.randn(4, 64, generator=torch.Generator().manual_seed(0))
    st = smsq.Staged([None, "bwta-act"])
    st.train()
    assert torch.equal(st(x), x)  # stage 0: float
    st.stage, st.beta = 1, 0.25
    y = st(x)
    tern = quantizer("bwta-act")(x)
    gamma = (x * tern).sum() / (tern * tern).sum()  # least-squares projection
    assert st.initialized[1] and torch.isclose(st.gamma[1], gamma)
    assert torch.allclose(y, 0.25 * tern * gamma + 0.75 * x)
    st.beta = 1.0
    assert torch.allclose(st(x), tern * gamma) and abs(st.final_gamma() - gamma.item()) < 1e-6
    assert smsq.Staged(["a8"], align=False).final_gamma() == 1.0


def _scramble_gammas(model):
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        for s in model.smsq.values():
            s.gamma.copy_(torch.rand(s.gamma.shape, generator=g) + 0.5)
            s.initialized.fill_(True)


@pytest.mark.parametrize("kind", ["llama", "bert"])
def test_export_folds_every_gamma(kind, tiny_llama_dir, tiny_bert_dir):
    """The exported checkpoint under the plain bwta scheme computes what the
    trained student computes in its last stage (quantizers are scale-equivariant)."""
    if kind == "llama":
        model = Llama.from_pretrained(tiny_llama_dir)
        ids = torch.randint(0, 256, (2, 24), generator=torch.Generator().manual_seed(1))
        run = lambda m, rec: m(ids, rec)  # noqa: E731
    else:
        model = Bert.from_pretrained(tiny_bert_dir)
        ids = torch.randint(5, 60, (2, 24), generator=torch.Generator().manual_seed(1))
        run = lambda m, rec: m(ids, torch.ones_like(ids), rec)  # noqa: E731
    student = smsq.prepare(copy.deepcopy(model), smsq.SMSQConfig())
    _scramble_gammas(student)
    smsq.set_stage(student, 3)
    student.eval()
    plain = schemes.apply(smsq.rebuild(model, smsq.export(student)), "bwta").eval()
    r1, r2 = {}, {}
    with torch.no_grad():
        run(student, r1)
        run(plain, r2)
    for a, b in zip(r1["hidden"], r2["hidden"]):
        assert (a - b).norm() <= 1e-4 * a.norm()


def test_smsq_beats_post_training_on_the_tiny_decoder(tiny_llama_dir, corpus):
    fp = Llama.from_pretrained(tiny_llama_dir).eval()
    ptq = perplexity(schemes.apply(copy.deepcopy(fp), "bwta"), corpus[1], seq=32, max_windows=16)
    w = windows(corpus[0], 32)
    batches = [w[i:i + 8, :-1] for i in range(0, 8 * 20, 8)]
    logs = []
    student = smsq.train(copy.deepcopy(fp), fp, batches, lambda m, b, rec: m(b, rec),
                         lambda s, t: torch.nn.functional.kl_div(s.log_softmax(-1), t.log_softmax(-1),
                                                                 log_target=True, reduction="batchmean"),
                         smsq.SMSQConfig(steps_per_stage=15, lr=2e-3), log=logs.append)
    assert [l.split(":")[0] for l in logs[:2]] == ["stage 0 step 0", "stage 0 step 14"]
    ours = perplexity(student, corpus[1], seq=32, max_windows=16)
    assert ours < ptq, (ours, ptq)


def test_seconds_budget_ends_the_last_stage(tiny_llama_dir, corpus):
    fp = Llama.from_pretrained(tiny_llama_dir).eval()
    w = windows(corpus[0], 32)
    batches = [w[i:i + 4, :-1] for i in range(0, 40, 4)]
    student = smsq.train(copy.deepcopy(fp), fp, batches, lambda m, b, rec: m(b, rec),
                         lambda s, t: (s - t).pow(2).mean(),
                         smsq.SMSQConfig(steps_per_stage=(2, 2, 2, 10 ** 6), seconds=1.0, lr=1e-3))
    steps = student.smsq_info["steps"]
    assert steps[:3] == [2, 2, 2] and 0 < steps[3] < 10 ** 6
    assert student.smsq_info["seconds"] < 30
