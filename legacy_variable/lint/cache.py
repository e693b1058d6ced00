"""Results of unchanged files, so that a re-run on an unchanged tree is near-instant.

One file per (tool version, Python version, settings) under the cache directory, mapping
each file's project-relative path to (content digest, its diagnostics). A changed file has
a new digest and misses; a changed selection or tool version reads another cache file.
``marshal`` keeps the load fast and is safe here: the format is tied to the Python
version, which is part of the key.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys

from ..diagnostics import Diagnostic, Edit, Fix


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _pack(diagnostic: Diagnostic) -> tuple:
    # Interned strings are written once and then referenced by marshal: messages repeat
    # across a tree, and fewer objects is what makes a warm load fast.
    intern = sys.intern
    fix = diagnostic.fix
    packed_fix = None
    if fix is not None:
        packed_fix = (
            tuple((intern(e.content), e.row, e.column, e.end_row, e.end_column) for e in fix.edits),
            intern(fix.applicability),
            intern(fix.message),
        )
    return (
        intern(diagnostic.code),
        intern(diagnostic.message),
        diagnostic.line,
        diagnostic.column,
        diagnostic.end_line,
        diagnostic.end_column,
        packed_fix,
        diagnostic.cell,
        diagnostic.noqa_row,
        diagnostic.related,
    )


_FIELDS = (
    "code",
    "message",
    "line",
    "column",
    "end_line",
    "end_column",
    "fix",
    "cell",
    "noqa_row",
    "related",
)


def _unpack(packed: tuple, path: str) -> Diagnostic:
    # A warm run rebuilds every cached diagnostic: filling __dict__ directly skips the
    # frozen dataclass's per-field object.__setattr__, several times faster. The values
    # were produced by Diagnostic itself, so nothing is bypassed that needed checking.
    diagnostic = object.__new__(Diagnostic)
    values = dict(zip(_FIELDS, packed))
    packed_fix = values["fix"]
    if packed_fix is not None:
        edits, applicability, fix_message = packed_fix
        values["fix"] = Fix(tuple(Edit(*e) for e in edits), applicability, fix_message)
    values["path"] = path
    diagnostic.__dict__.update(values)
    return diagnostic


class Cache:
    def __init__(self, directory: str, fingerprint: str):
        self.directory = directory
        key = hashlib.blake2b(
            f"{fingerprint}|{sys.version_info[:2]}".encode(), digest_size=12
        ).hexdigest()
        self.path = os.path.join(directory, "v1", f"{key}.marshal")
        self.entries: dict[str, tuple[bytes, tuple]] = {}
        self.changed = False
        try:
            with open(self.path, "rb") as handle:
                entries = marshal.load(handle)
            if isinstance(entries, dict):
                self.entries = entries
        except (OSError, EOFError, ValueError, TypeError):
            pass  # no cache yet, or a damaged one: start afresh

    def get(self, relative_path: str, content_digest: bytes, display_path: str) -> list[Diagnostic] | None:
        entry = self.entries.get(relative_path)
        if entry is None or entry[0] != content_digest:
            return None
        return [_unpack(packed, display_path) for packed in entry[1]]

    def put(self, relative_path: str, content_digest: bytes, diagnostics: list[Diagnostic]) -> None:
        packed = tuple(_pack(d) for d in diagnostics)
        if self.entries.get(relative_path) != (content_digest, packed):
            self.entries[relative_path] = (content_digest, packed)
            self.changed = True

    def save(self) -> None:
        """Best effort: a cache that cannot be written only costs speed next time."""
        if not self.changed:
            return
        try:
            self._write()
        except OSError:
            pass

    def _write(self) -> None:
        first_time = not os.path.isdir(self.directory)
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        if first_time:
            # As ruff's cache: invisible to git and to backup tools.
            with open(os.path.join(self.directory, ".gitignore"), "w") as handle:
                handle.write("# Automatically created by legacy-variable.\n*\n")
            with open(os.path.join(self.directory, "CACHEDIR.TAG"), "w") as handle:
                handle.write("Signature: 8a477f597d28d172789f06886806bc55\n")
        temp = f"{self.path}.{os.getpid()}.tmp"
        with open(temp, "wb") as handle:
            marshal.dump(self.entries, handle)
        os.replace(temp, self.path)
