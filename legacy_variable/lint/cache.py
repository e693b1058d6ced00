"""Results of unchanged files, so that a re-run on an unchanged tree is near-instant.

One file per (tool version, Python version, settings) under the cache directory, mapping
each file's project-relative path to (content digest, its diagnostics, its stat). A changed
file has a new digest and misses; a changed selection or tool version reads another cache
file. ``marshal`` keeps the load fast and is safe here: the format is tied to the Python
version, which is part of the key.

The content digest is the key; the stat (size, mtime, ctime, inode), as git's index keeps
it, only spares reading and hashing a file whose stat has not changed since its digest was
taken. As git's "racy clean" rule, a stat is kept only for a file last modified at least
``RACY_NS`` before it was read (a change within the same clock tick as the read would not
show in the stat), and not trusted when its mtime is that close to the cache file's own
write (the filesystem's clock, should it differ from this machine's). A touched but
unchanged file fails the stat test, is hashed, and hits.
"""

from __future__ import annotations

import marshal
import os
import sys
import time

from ..diagnostics import Diagnostic, Edit, Fix

try:
    # The BLAKE2 module itself: ``hashlib`` would first load OpenSSL's bindings, a few
    # milliseconds of a warm run that needs nothing else from them.
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

#: How close to the cache's write a file's mtime makes its stat untrustworthy: the coarsest
#: common timestamp granularity (FAT's 2 s) covers every filesystem's clock tick.
RACY_NS = 2_000_000_000


def digest(data: bytes) -> bytes:
    return blake2b(data, digest_size=16).digest()


def pack(diagnostic: Diagnostic) -> tuple:
    """A diagnostic as plain tuples, strings and numbers (its path aside)."""
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
        _portable(diagnostic.related, diagnostic.path) if diagnostic.related else diagnostic.related,
        diagnostic.args,
    )


# A related site names the file by its display path, which depends on the directory the
# run starts from: cached without it (a leading NUL stands for it) and named again on use.
def _portable(related: tuple, path: str) -> tuple:
    prefix = path + ":"
    return tuple(
        (name, "\0" + value[len(path) :] if value.startswith(prefix) else value) for name, value in related
    )


def _located(related: tuple, path: str) -> tuple:
    return tuple((name, path + value[1:] if value[:1] == "\0" else value) for name, value in related)


def unpack(packed: tuple, path: str, _new=object.__new__) -> Diagnostic:
    # A warm run rebuilds every cached diagnostic: filling __dict__ directly skips the
    # frozen dataclasses' per-field object.__setattr__, several times faster. The values
    # were produced by Diagnostic itself, so nothing is bypassed that needed checking.
    code, message, line, column, end_line, end_column, fix, cell, noqa_row, related, args = packed
    if related:
        related = _located(related, path)
    if fix is not None:
        packed_edits, applicability, fix_message = fix
        edits = []
        for content, row, edit_column, end_row, edit_end_column in packed_edits:
            edit = _new(Edit)
            edit.__dict__.update(
                content=content, row=row, column=edit_column, end_row=end_row,
                end_column=edit_end_column,
            )
            edits.append(edit)
        fix = _new(Fix)
        fix.__dict__.update(edits=tuple(edits), applicability=applicability, message=fix_message)
    diagnostic = _new(Diagnostic)
    diagnostic.__dict__.update(
        code=code, message=message, path=path, line=line, column=column, end_line=end_line,
        end_column=end_column, fix=fix, cell=cell, noqa_row=noqa_row, related=related,
        args=args,
    )
    return diagnostic


def stat_key(path: str) -> tuple | None:
    """What changes when a file's content may have: (size, mtime, ctime, inode)."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)


def make_directory(directory: str, subdirectory: str) -> None:
    """``subdirectory`` of the cache ``directory``, made as ruff makes its cache: invisible
    to git and to backup tools."""
    first_time = not os.path.isdir(directory)
    os.makedirs(subdirectory, exist_ok=True)
    if first_time:
        with open(os.path.join(directory, ".gitignore"), "w") as handle:
            handle.write("# Automatically created by legacy-variable.\n*\n")
        with open(os.path.join(directory, "CACHEDIR.TAG"), "w") as handle:
            handle.write("Signature: 8a477f597d28d172789f06886806bc55\n")


class Cache:
    def __init__(self, directory: str, fingerprint: str):
        self.directory = directory
        key = blake2b(
            f"{fingerprint}|{sys.version_info[:2]}".encode(), digest_size=12
        ).hexdigest()
        # v3: packed diagnostics carry their message arguments.
        self.path = os.path.join(directory, "v3", f"{key}.marshal")
        #: relative path -> (content digest, packed diagnostics, stat key or None)
        self.entries: dict[str, tuple[bytes, tuple, tuple | None]] = {}
        self.changed = False
        #: Stats at or after this (the cache's last write, less RACY_NS) are not trusted.
        self.racy_from = 0
        #: Files modified at or after this are too fresh for their stat to be kept.
        self._fresh_from = time.time_ns() - RACY_NS
        #: relative path -> (stat key taken before the file was read, digest of what was read)
        self._observed: dict[str, tuple[tuple | None, bytes | None]] = {}
        #: The entries this run served or stored: their files exist.
        self._used: set[str] = set()
        try:
            with open(self.path, "rb") as handle:
                written = os.fstat(handle.fileno()).st_mtime_ns
                # One read, then loads: marshal.load on a file object reads it piecemeal,
                # ten times slower.
                entries = marshal.loads(handle.read())
            if isinstance(entries, dict):
                self.entries = entries
                self.racy_from = written - RACY_NS
        except (OSError, EOFError, ValueError, TypeError):
            pass  # no cache yet, or a damaged one: start afresh

    def unchanged(self, relative_path: str, path: str, display_path: str,
                  key: tuple | None | object = ...) -> list[Diagnostic] | None:
        """The cached diagnostics when the file's stat shows it unchanged since its digest
        was taken; None when it must be read and hashed (then call ``get``). ``key``: the
        file's ``stat_key`` when the caller took it already (before any read of the file
        this run); by default it is taken here."""
        if key is ...:
            key = stat_key(path)
        if key is not None and key[1] >= self._fresh_from:
            key = None  # modified just now: may change again unseen within its clock tick
        self._observed[relative_path] = (key, None)
        entry = self.entries.get(relative_path)
        if key is None or entry is None or entry[2] != key or key[1] >= self.racy_from:
            return None
        self._used.add(relative_path)
        return [unpack(packed, display_path) for packed in entry[1]]

    def knows(self, relative_path: str) -> bool:
        """Whether reading the file could find a hit (else there is nothing to compare)."""
        return relative_path in self.entries

    def get(self, relative_path: str, content_digest: bytes, display_path: str) -> list[Diagnostic] | None:
        observed = self._observed.get(relative_path)
        key = observed[0] if observed is not None else None
        self._observed[relative_path] = (key, content_digest)
        entry = self.entries.get(relative_path)
        if entry is None or entry[0] != content_digest:
            return None
        if key is not None and entry[2] != key:
            # Touched, not changed: remember the new stat, so the next run need not hash.
            self.entries[relative_path] = (entry[0], entry[1], key)
            self.changed = True
        self._used.add(relative_path)
        return [unpack(packed, display_path) for packed in entry[1]]

    def put(
        self,
        relative_path: str,
        content_digest: bytes,
        diagnostics: list[Diagnostic],
        rewritten: bool = False,
        packed: tuple | None = None,
    ) -> None:
        """``rewritten``: this run wrote the content (fixes), after the stat was taken.
        ``packed``: the diagnostics already packed (as they came from a worker)."""
        if packed is None:
            packed = tuple(pack(d) for d in diagnostics)
        # The stat describes this content when it was taken before reading these bytes:
        # here (then the digests agree), or in a worker, which reads after ``unchanged``.
        observed = self._observed.get(relative_path)
        key = None
        if observed is not None and not rewritten and observed[1] in (None, content_digest):
            key = observed[0]
        entry = (content_digest, packed, key)
        self._used.add(relative_path)
        if self.entries.get(relative_path) != entry:
            self.entries[relative_path] = entry
            self.changed = True

    def prune(self, project_root: str) -> None:
        """Drop the entries of files that are gone (deleted, renamed, now a directory),
        so that the cache does not grow with every file a project ever had. A run over
        part of the tree keeps the rest: only entries this run did not use are looked at,
        one stat each (none on a run over the whole, unchanged tree)."""
        for relative_path in [p for p in self.entries if p not in self._used]:
            if not os.path.isfile(os.path.join(project_root, relative_path)):
                del self.entries[relative_path]
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
        make_directory(self.directory, os.path.dirname(self.path))
        temp = f"{self.path}.{os.getpid()}.tmp"
        with open(temp, "wb") as handle:
            handle.write(marshal.dumps(self.entries))
        os.replace(temp, self.path)
