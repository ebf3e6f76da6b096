"""bwta: quantizers, calibration and training that produce models for bwta-opt.

- `bwta.quant`: integer-exact quantizers (docs/Semantics.md, bit for bit);
- `bwta.ste`: the same quantizers with straight-through estimators, for training;
- `bwta.vectors`: shared test vectors checked against the compiler's CPU reference.
"""

__version__ = "0.1.0"
