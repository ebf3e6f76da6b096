"""bwta.quant: the contract's arithmetic, checked against slow scalar models."""

import numpy as np
import pytest
import torch

from bwta.quant import (BINARY, INT, LANES, TERNARY, QType, Scheme, Threshold, dequantize,
                        lane_sum, quantize)

F32 = np.float32


def scalar_lane_sum(values):
    """The contract's sum order, one f32 operation at a time."""
    p = [F32(0.0)] * LANES
    for i, v in enumerate(values):
        p[i % LANES] = F32(p[i % LANES] + F32(v))
    s = LANES // 2
    while s >= 1:
        for lane in range(s):
            p[lane] = F32(p[lane] + p[lane + s])
        s //= 2
    return p[0]


@pytest.mark.parametrize("n", [1, 3, 255, 256, 257, 600, 1800])
def test_lane_sum_matches_the_scalar_order(n):
    rng = np.random.default_rng(n)
    a = (rng.standard_normal((4, n)) * 10.0 ** rng.uniform(-4, 4, (4, n))).astype(F32)
    got = lane_sum(torch.from_numpy(a)).numpy()
    want = np.array([scalar_lane_sum(row) for row in a], F32)
    assert got.view(np.int32).tolist() == want.view(np.int32).tolist()


def test_lane_order_differs_from_sequential():
    a = np.array([[1e8, 1.0, -1e8] + [0.0] * 300 + [1.0]], F32)
    seq = F32(0)
    for v in a[0]:
        seq = F32(seq + v)
    assert seq == F32(1.0) and lane_sum(torch.from_numpy(a)).item() == 2.0


def test_level_types():
    assert (INT(4).qmin, INT(4).qmax, INT(4).planes) == (-8, 7, 4)
    assert (INT(8, "unsigned").qmin, INT(8, "unsigned").qmax) == (0, 255)
    assert (INT(2, "balanced").qmin, INT(2, "balanced").qmax, INT(2, "balanced").planes) == (-2, 2, 3)
    assert QType.parse("int2*") == INT(2, "balanced") == QType.parse("!bwta.int<2, balanced>")
    assert QType.parse("uint8").mlir == "!bwta.int<8, unsigned>"
    assert QType.parse("ternary") == TERNARY and BINARY.mlir == "!bwta.binary"
    with pytest.raises(ValueError):
        INT(9)


def test_scheme_spelling():
    s = Scheme("per_group", 64, "asymmetric", Threshold("mean_abs", 0.7))
    assert s.mlir == ("#bwta.scheme<granularity = per_group, group_size = 64, mode = asymmetric, "
                      "threshold = #bwta.threshold<mean_abs, 0.7>>")
    assert s.param_shape((2, 3, 130)) == (2, 3, 3)
    with pytest.raises(ValueError):
        Scheme("per_group")


def test_binary_levels_and_scale():
    x = torch.tensor([[0.0, -0.0, -2.0, 4.0, float("nan")]])
    q, s, z = quantize(x[:, :4], BINARY, Scheme("per_token"))
    assert q.tolist() == [[1, 1, -1, 1]] and s.tolist() == [1.5] and z is None
    assert quantize(x, BINARY)[0].tolist() == [[1, 1, -1, 1, -1]]


def test_ternary_threshold_and_scale():
    x = torch.tensor([[0.1, -0.2, 1.0, -3.0]])  # mean|x| = 1.075, Δ = 0.7525
    q, s, _ = quantize(x, TERNARY, Scheme("per_token"))
    assert q.tolist() == [[0, 0, 1, -1]] and s.item() == 2.0
    q, s, _ = quantize(x, TERNARY, Scheme("per_token", threshold=Threshold("fixed", 5.0)))
    assert q.tolist() == [[0, 0, 0, 0]] and s.item() == 1.0
    q, _, _ = quantize(x, TERNARY, Scheme("per_token"), scale=torch.tensor([0.4]))
    assert q.tolist() == [[0, 0, 1, -1]]  # roundeven(0.25) = 0, roundeven(-0.5) = -0


def test_int_symmetric_asymmetric_and_ties():
    x = torch.tensor([[-1.0, 0.5, 2.0, 7.0]])
    q, s, _ = quantize(x, INT(4), Scheme("per_token"))
    assert s.item() == 1.0 and q.tolist() == [[-1, 0, 2, 7]]  # 0.5 ties to even
    q, s, z = quantize(x, INT(3, "unsigned"), Scheme("per_token", mode="asymmetric"))
    assert s.item() == np.float32(8 / 7) and z.tolist() == [1]
    assert dequantize(q, s, z).sub(x).abs().max() <= s.item() / 2
    q, s, z = quantize(torch.zeros(2, 3), INT(2, "balanced"), Scheme("per_tensor", mode="asymmetric"))
    assert s.item() == 1.0 and z.item() == -2 and q.eq(-2).all()  # zp = qmin - 0
    assert dequantize(q, s, z).abs().sum() == 0


def test_static_int_clamps_and_groups():
    x = torch.tensor([[10.0, -10.0, 0.75, 1.25, 3.0]])
    scale = torch.tensor([[0.5, 1.0]])
    q, _, _ = quantize(x, INT(3), Scheme("per_group", 3), scale=scale)
    assert q.tolist() == [[3, -4, 2, 1, 3]]
    q, _, zp = quantize(x, INT(3, "unsigned"), Scheme("per_group", 3, "asymmetric"),
                        scale=scale, zero_point=torch.tensor([[4, 0]], dtype=torch.int32))
    assert q.tolist() == [[7, 0, 6, 1, 3]]


def test_grouped_dynamic_matches_row_by_row():
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((2, 3, 300)).astype(F32))
    for qt, mode in ((BINARY, "symmetric"), (TERNARY, "symmetric"), (INT(4), "asymmetric")):
        q, s, z = quantize(x, qt, Scheme("per_group", 128, mode))
        assert s.shape == (2, 3, 3)
        for g, a in enumerate(range(0, 300, 128)):
            qg, sg, zg = quantize(x[..., a:a + 128], qt, Scheme("per_token", mode=mode))
            assert torch.equal(q[..., a:a + 128], qg) and torch.equal(s[..., g], sg)


def test_symmetric_int1_is_refused():
    with pytest.raises(ValueError):
        quantize(torch.ones(2, 2), INT(1), Scheme("per_token"))
