"""The evidence file: what a recorded run (``runtime/evidence.py``) writes and what
``legacy-variable check --evidence`` (``lint/checkers/evidence.py``) reads.

Face-neutral and torch-free, like ``diagnostics.py``: the runtime writes the format and the
linter reads it, and neither face imports the other.
"""

from __future__ import annotations

import json

try:  # the hash alone: hashlib would also load OpenSSL's bindings, start-up time of every check
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

__all__ = ["VERSION", "line_hash", "load", "merge"]

#: The file format's version; a file of another version is refused by ``load``. Kinds of
#: observation are additive within a version: a reader skips kinds it does not know, so
#: files with the "ctor" and "wrap" kinds (added later) are still version 1 and older
#: files read as they did (they simply carry fewer kinds).
VERSION = 1


def line_hash(text: str) -> str:
    """The hash that ties an observation to a line's text (indentation aside)."""
    return blake2b(text.strip().encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()


def load(path: str) -> dict:
    """An evidence file's content; ValueError when it is not one this version reads."""
    with open(path, encoding="utf-8") as handle:
        try:
            data = json.load(handle)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not an evidence file: {error}") from None
    if not isinstance(data, dict) or data.get("version") != VERSION \
            or not isinstance(data.get("sites"), list):
        raise ValueError(f"{path}: not an evidence file of version {VERSION}")
    return data


def merge(*recordings: dict) -> dict:
    """Several recordings as one: the counts of a site and kind add up."""
    merged: dict[tuple, dict[str, int]] = {}
    for data in recordings:
        for site in data["sites"]:
            key = (site["path"], site["line"], site["column"], site["line_hash"], site["kind"])
            counts = merged.setdefault(key, {})
            for value, count in site["observed"].items():
                counts[value] = counts.get(value, 0) + int(count)
    return {"version": VERSION, "sites": [
        {"path": p, "line": line, "column": column, "line_hash": h, "kind": kind,
         "observed": dict(sorted(counts.items()))}
        for (p, line, column, h, kind), counts in sorted(merged.items())]}
