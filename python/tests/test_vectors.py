"""Shared test vectors: bwta.quant against the compiler's CPU reference.

The bit-exact check runs when bwta-opt and mlir-runner are found ($BWTA_OPT,
$MLIR_RUNNER, the repository's build/bin, $PATH); scripts/test.sh sets both
after building bwta-opt, so CI always runs it.
"""

import json

import numpy as np
import pytest
from safetensors.numpy import load_file

from bwta import quant, vectors


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    directory = tmp_path_factory.mktemp("vectors")
    return directory, vectors.write(directory)


def test_files_and_coverage(written):
    directory, cases = written
    manifest = json.loads((directory / "vectors.json").read_text())
    assert manifest["version"] == 1 and len(manifest["cases"]) == len(cases)
    kinds = {(c.qtype.kind, c.qtype.signedness, c.scheme.granularity, c.scheme.mode) for c in cases}
    for signedness in ("signed", "unsigned", "balanced"):
        for mode in ("symmetric", "asymmetric"):
            assert any(k[1] == signedness and k[3] == mode for k in kinds if k[0] == "int")
    assert {k[2] for k in kinds} == {"per_tensor", "per_token", "per_channel", "per_group"}
    assert max(c.x.shape[-1] for c in cases) > 2 * quant.LANES
    tensors = load_file(str(directory / "vectors.safetensors"))
    assert tensors["c0.levels"].dtype == np.int32 and tensors["c0.scale"].dtype == np.float32
    assert "bwta.quantize" in (directory / "quantize.mlir").read_text()


def test_vectors_tell_sum_orders_apart(written, monkeypatch, tmp_path):
    """With a sequential sum instead of the lane order, many scales differ: the
    vectors would catch an implementation that sums in another order."""
    directory, cases = written
    want = load_file(str(directory / "vectors.safetensors"))
    monkeypatch.setattr(quant, "LANES", 1)
    differ = sum(int(np.any(vectors.expected(c)[1] != want[f"{c.name}.scale"])) for c in cases)
    assert differ >= 15


def test_cpu_reference_is_bit_exact(written):
    bwta_opt, runner = vectors.find_tools()
    if not bwta_opt or not runner:
        pytest.skip("bwta-opt or mlir-runner not found (build bwta-opt, or set BWTA_OPT / MLIR_RUNNER)")
    problems = vectors.check(written[0], bwta_opt, runner)
    assert not problems, "\n".join(problems)
