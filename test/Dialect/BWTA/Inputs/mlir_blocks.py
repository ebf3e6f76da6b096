"""Prints every ```mlir block of the given Markdown files as one
-split-input-file input for bwta-opt, so that documentation examples are
parsed and verified like any other test. Fails if a file has no such block.

usage: mlir_blocks.py FILE.md...
"""
import re
import sys

BLOCK = re.compile(r"^```mlir\n(.*?)^```", re.MULTILINE | re.DOTALL)


def main():
    chunks = []
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            blocks = BLOCK.findall(f.read())
        if not blocks:
            sys.exit(f"{path}: no ```mlir blocks")
        chunks += blocks
    print("\n// -----\n".join(chunks))


if __name__ == "__main__":
    main()
