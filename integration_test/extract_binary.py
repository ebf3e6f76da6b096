#!/usr/bin/env python3
"""Writes the kernel object of a `gpu.binary` op (the output of bwta-opt
-bwta-gpu-binary) to a file: PTX text for format=isa, a cubin for format=bin.

usage: extract_binary.py LOWERED.mlir OUT
"""
import re
import sys


def unescape(text):
    """MLIR string literal escapes: \\XX (hex), \\\\, \\", \\n, \\t."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        nxt = text[i + 1]
        if nxt in "\\\"":
            out.append(ord(nxt))
            i += 2
        elif nxt == "n":
            out.append(10)
            i += 2
        elif nxt == "t":
            out.append(9)
            i += 2
        else:
            out.append(int(text[i + 1:i + 3], 16))
            i += 3
    return bytes(out)


def main():
    ir = open(sys.argv[1], encoding="utf-8").read()
    match = re.search(r'(assembly|bin) = "((?:[^"\\]|\\.)*)"', ir)
    if not match:
        sys.exit("%s: no gpu.binary object found (run -bwta-gpu-binary first)" % sys.argv[1])
    with open(sys.argv[2], "wb") as out:
        out.write(unescape(match.group(2)))


if __name__ == "__main__":
    main()
