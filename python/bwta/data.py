"""Real English text that is on every machine with Python: the docstrings of
the standard library, read with `ast` (nothing is imported or downloaded).

Modules are split into train and held-out sets by a hash of their name, so no
held-out paragraph comes from a module seen in training. The text depends on
the Python version; `corpus_info()` says which one was used.

`python -m bwta.data --dump FILE.json.gz` writes the docstrings read here
to a file, and `use_corpus(FILE)` (or `python -m bwta.eval --corpus FILE`)
reads them from it instead, so that a machine with another Python version
measures on the same text.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import re
import sys
import sysconfig
import zlib
from functools import lru_cache
from pathlib import Path


def _docstrings(path: Path):
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node)
            if doc:
                yield doc


def _paragraphs(doc: str):
    for block in re.split(r"\n\s*\n", doc):
        lines = [ln.strip() for ln in block.splitlines()]
        if any(ln.startswith((">>>", "...", "$", "%")) for ln in lines):
            continue  # code examples
        text = " ".join(ln for ln in lines if ln)
        letters = sum(ch.isalpha() or ch == " " for ch in text)
        if text and letters / len(text) > 0.85:
            yield text


def stdlib_files():
    root = Path(sysconfig.get_paths()["stdlib"])
    skip = ("site-packages", "test", "tests", "idlelib", "lib2to3", "turtledemo")
    files = [p for p in root.rglob("*.py") if not any(part in skip for part in p.relative_to(root).parts)]
    return root, sorted(files)


_CORPUS = {"file": None, "python": None}


def use_corpus(path) -> None:
    """Read the docstrings from a file written by `dump` (None: this Python's stdlib)."""
    _CORPUS["file"] = None if path is None else str(path)
    _CORPUS["python"] = None
    _modules.cache_clear()
    _split.cache_clear()


def _read_corpus(path: str):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        d = json.load(f)
    _CORPUS["python"] = d["python"]
    return d["modules"]


@lru_cache(maxsize=4)
def _modules(max_files):
    """(module name, docstrings) of the first `max_files` stdlib files (all: None)."""
    if _CORPUS["file"]:
        return [(m, docs) for m, docs in _read_corpus(_CORPUS["file"])[:max_files]]
    root, files = stdlib_files()
    return [(".".join(p.relative_to(root).with_suffix("").parts), list(_docstrings(p)))
            for p in files[:max_files]]


def dump(path) -> None:
    """Writes this Python's stdlib docstrings (what `_modules` reads) to a gzipped JSON file."""
    root, files = stdlib_files()
    modules = [(".".join(p.relative_to(root).with_suffix("").parts), list(_docstrings(p))) for p in files]
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump({"python": sys.version.split()[0], "modules": modules}, f)


@lru_cache(maxsize=8)
def _split(min_words, max_words, held_out_percent, max_files):
    parts = {"train": [], "test": []}
    seen = set()
    for module, docs in _modules(max_files):
        held_out = zlib.crc32(module.encode()) % 100 < held_out_percent
        for doc in docs:
            for text in _paragraphs(doc):
                if min_words <= len(text.split()) <= max_words and text not in seen:
                    seen.add(text)
                    parts["test" if held_out else "train"].append(text)
    train = set(parts["train"])
    return parts["train"], [t for t in parts["test"] if t not in train]


def paragraphs(split: str, min_words: int = 8, max_words: int = 64, held_out_percent: int = 15,
               max_files=None) -> list:
    """Unique docstring paragraphs of `split` ('train' or 'test'), in a fixed
    order; no test paragraph occurs in train. `max_files` reads only the
    first stdlib files (quick tests)."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    return list(_split(min_words, max_words, held_out_percent, max_files)[split == "test"])


def text_bytes(split: str, max_files=None) -> bytes:
    """The paragraphs of `split` joined by newlines, as UTF-8 (byte-level LM data)."""
    return "\n".join(paragraphs(split, 4, 400, max_files=max_files)).encode("utf-8")


def corpus_info() -> str:
    if _CORPUS["file"]:
        _modules(None)
        return f"docstrings of the Python {_CORPUS['python']} standard library (read from {Path(_CORPUS['file']).name})"
    return f"docstrings of the Python {sys.version.split()[0]} standard library"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Dump the stdlib docstrings corpus to a file.")
    ap.add_argument("--dump", required=True, help="output file (.json.gz)")
    args = ap.parse_args(argv)
    dump(args.dump)
    n = [len(paragraphs(s)) for s in ("train", "test")]
    print(f"{args.dump}: {corpus_info()}, {n[0]} train / {n[1]} held-out paragraphs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
