"""Prints every weight of a bundle as numbers, one line each:
`NAME DTYPE: v0 v1 ...`. Reads the format of docs/Bundle.md directly
(independently of the runtime), so the tests check the bytes themselves.

usage: dump_weights.py BUNDLE
"""
import json
import struct
import sys

FORMATS = {"f32": "f", "f16": "e", "i8": "b", "i16": "h", "i32": "i",
           "u32": "I", "u64": "Q", "i64": "q"}


def main():
    data = open(sys.argv[1], "rb").read()
    count = struct.unpack_from("<I", data, 12)[0]
    sections = {}
    for i in range(count):
        kind, _, offset, size, _ = struct.unpack_from("<IIQQQ", data, 24 + 32 * i)
        sections[kind] = data[offset:offset + size]
    manifest = json.loads(sections[1])
    for weight in manifest["weights"]:
        code = FORMATS[weight["dtype"]]
        n = weight["bytes"] // struct.calcsize(code)
        values = struct.unpack_from("<%d%s" % (n, code), sections[4], weight["offset"])
        print("%s %s: %s" % (weight["name"], weight["dtype"],
                             " ".join("%g" % v if code in "fe" else str(v) for v in values)))


if __name__ == "__main__":
    main()
