"""Line numbers of marked lines in a test file, so runtime tests can assert the exact line
a diagnostic points at without hard-coding numbers that drift when the file is edited."""

from __future__ import annotations


def line_of(path: str, marker: str) -> int:
    """1-based line of the one line of ``path`` containing ``marker`` (calls excluded)."""
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    hits = [i for i, text in enumerate(lines, start=1) if marker in text and "_line_of(" not in text]
    assert len(hits) == 1, hits
    return hits[0]
