"""bwta: quantizers, calibration and training that produce models for bwta-opt.

- `bwta.quant`: integer-exact quantizers (docs/Semantics.md, bit for bit);
- `bwta.ste`: the same quantizers with straight-through estimators;
- `bwta.vectors`: shared test vectors checked against the compiler's CPU reference;
- `bwta.nn`, `bwta.schemes`: quantized layers and the schemes of `bwta-quantize`;
- `bwta.calibrate`: ABQ-style calibration writing the calibration JSON;
- `bwta.smsq`: Smooth Multi-Stage Quantization (BWTA training);
- `bwta.models`, `bwta.data`, `bwta.eval`: frontends, text, the accuracy harness.
"""

__version__ = "0.1.0"
