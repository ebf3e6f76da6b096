"""Writes the safetensors files of the bwta-compile tests: small weights
whose packed words and plane popcounts the tests check by hand. Standard
library only, so that it runs anywhere.

usage: make_weights.py VARIANT OUT
"""
import os
import struct
import sys

# The safetensors encoder of the weight-resolution tests.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "Conversion", "BWTAToLinalg", "Inputs"))
from make_safetensors import encode  # noqa: E402


def binary_rows():
    """5x40 binary: +1 at k = r and k = 33 + r (row 4 also at k = 5)."""
    rows = []
    for r in range(5):
        row = [-1] * 40
        row[r] = row[33 + r] = 1
        if r == 4:
            row[5] = 1
        rows += row
    return rows


def ternary_rows():
    """2x40 ternary: row 0 has +1 at k = 0, 35 and -1 at k = 1; row 1 -1 at 39."""
    rows = [0] * 80
    rows[0] = rows[35] = 1
    rows[1] = -1
    rows[40 + 39] = -1
    return rows


def tensors(bad_level=False):
    w = binary_rows()
    if bad_level:
        w[3] = 0
    return {
        "w": ("I8", [5, 40], struct.pack("<200b", *w)),
        "s": ("F32", [5], struct.pack("<5f", 0.5, 1.0, 1.5, 2.0, 2.5)),
        "t": ("I8", [2, 40], struct.pack("<80b", *ternary_rows())),
        "q": ("I8", [3, 4], struct.pack("<12b", -2, -1, 0, 1, 2, 0, -2, 1, 1, 1, -1, -1)),
        "u8": ("I16", [2, 3], struct.pack("<6h", 0, 255, 7, 128, 1, 2)),
        "h": ("F16", [2, 3], struct.pack("<6e", 1, 2, 3, 4, 5, 6)),
    }


if __name__ == "__main__":
    variant = sys.argv[1]
    if variant == "good":
        image = encode(tensors())
    elif variant == "bad-level":
        image = encode(tensors(bad_level=True))
    elif variant == "not-safetensors":
        image = b"\x05\x00\x00\x00\x00\x00\x00\x00{nope"
    else:
        sys.exit("unknown variant " + variant)
    with open(sys.argv[2], "wb") as out:
        out.write(image)
