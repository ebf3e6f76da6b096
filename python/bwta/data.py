"""Real English text that is on every machine with Python: the docstrings of
the standard library, read with `ast` (nothing is imported or downloaded).

Modules are split into train and held-out sets by a hash of their name, so no
held-out paragraph comes from a module seen in training. The text depends on
the Python version; `corpus_info()` says which one was used.
"""

from __future__ import annotations

import ast
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


@lru_cache(maxsize=4)
def _modules(max_files):
    """(module name, docstrings) of the first `max_files` stdlib files (all: None)."""
    root, files = stdlib_files()
    return [(".".join(p.relative_to(root).with_suffix("").parts), list(_docstrings(p)))
            for p in files[:max_files]]


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
    return f"docstrings of the Python {sys.version.split()[0]} standard library"
