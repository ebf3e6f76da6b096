"""Writes small safetensors files, valid or broken on purpose, for the
weight-resolution tests. Standard library only, so that it runs anywhere.

usage: make_safetensors.py VARIANT OUT
"""
import json
import struct
import sys


def encode(tensors):
    """tensors: name -> (dtype, shape, raw bytes). Returns the file image."""
    header, blob = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + blob


GOOD = {
    "w.f32": ("F32", [2, 3], struct.pack("<6f", 1.5, -2.0, 0.25, 3.0, -0.5, 8.0)),
    "w.binary": ("I8", [2, 3], struct.pack("<6b", 1, -1, -1, 1, 1, -1)),
    "w.int2": ("I8", [2, 3], struct.pack("<6b", -2, -1, 0, 1, 2, 0)),
}


def variant(name):
    good = encode(GOOD)
    if name == "good":
        return good
    if name == "truncated":
        return good[:-5]
    if name == "short":
        return good[:5]
    if name == "huge-header":
        return struct.pack("<Q", 1 << 40) + good[8:]
    if name == "not-json":
        return struct.pack("<Q", 7) + b"{nope!}"
    if name == "bad-offsets":
        return encode({"w.f32": ("F32", [2, 3], b"\0" * 20)})
    if name == "bad-dtype":
        return encode({"w.f32": ("Q7", [2, 3], b"\0" * 24)})
    if name == "bad-level":
        return encode({"w.binary": ("I8", [2, 3], struct.pack("<6b", 1, -1, 0, 1, 1, -1)),
                       "w.int2": ("I8", [2, 3], struct.pack("<6b", -2, -1, 0, 1, 3, 0))})
    raise SystemExit(f"unknown variant {name}")


if __name__ == "__main__":
    with open(sys.argv[2], "wb") as out:
        out.write(variant(sys.argv[1]))
