"""The legacy count of each of the last N commits, read from git objects.

Nothing is checked out and the working tree is never touched: ``git ls-tree`` lists each
commit's files, ``git cat-file --batch`` streams their blobs, and each blob is linted in
memory (``lint.check(source=...)``) with the settings of the current tree, so that the
trend measures the code, not a change of configuration. A blob is linted once however
many commits hold it: consecutive commits share most files, so N commits cost about one
check plus the files that changed.
"""

from __future__ import annotations

import os
import subprocess

from ..lint.files import _excluded, include_matcher
from ..rules import Code
from .model import HistoryPoint, ReportError


def _git(args: list[str], cwd: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise ReportError(f"--history needs git: {exc.strerror or exc}") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ReportError(f"--history: git {args[0]} failed: {detail[-1] if detail else done.returncode}")
    return done.stdout.decode("utf-8", "surrogateescape")


class _Blobs:
    """One ``git cat-file --batch`` process for every blob read."""

    def __init__(self, top: str):
        self.process = subprocess.Popen(
            ["git", "cat-file", "--batch"], cwd=top, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )

    def read(self, sha: str) -> bytes:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(sha.encode() + b"\n")
        self.process.stdin.flush()
        header = self.process.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            return b""
        data = self.process.stdout.read(int(header[2]))
        self.process.stdout.read(1)  # the newline after the content
        return data

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait()


def trend(paths: list[str], count: int, settings, cwd: str) -> list[HistoryPoint]:
    """Oldest first: (commit, date, subject, diagnostics, files with legacy, files) for the
    last ``count`` commits of the first-parent history of HEAD, limited to ``paths`` (all
    in the repository of the first)."""
    targets = [os.path.abspath(os.path.join(cwd, path)) for path in paths]
    where = targets[0] if os.path.isdir(targets[0]) else os.path.dirname(targets[0])
    try:
        top = _git(["rev-parse", "--show-toplevel"], where).strip()
    except ReportError:
        raise ReportError(f"--history needs a git repository: {paths[0]!r} is not inside one") from None
    top = os.path.realpath(top)
    prefixes = [os.path.relpath(os.path.realpath(t), top).replace(os.sep, "/") for t in targets]
    if any(p.startswith("../") or p == ".." for p in prefixes):
        raise ReportError(f"--history: the paths must lie in one git repository ({top})")
    spec = [] if "." in prefixes else ["--", *prefixes]
    log = _git(["log", f"--max-count={count}", "--first-parent", "--format=%H%x1f%cI%x1f%s", "HEAD"], top)

    included = include_matcher(settings.include)
    from ..lint import check

    verdicts: dict[tuple[str, str], int] = {}
    blobs = _Blobs(top)
    points = []
    try:
        for line in log.splitlines():
            commit, date, subject = (line.split("\x1f") + ["", ""])[:3]
            listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit, *spec], top)
            total = legacy = files = 0
            for entry in listing.split("\0"):
                if not entry:
                    continue
                meta, _, name = entry.partition("\t")
                mode, kind, sha = meta.split()
                if kind != "blob" or mode == "120000":
                    continue
                absolute = os.path.join(top, name)
                relative = os.path.relpath(absolute, settings.project_root).replace(os.sep, "/")
                if not _wanted(name, relative, included, settings.exclude):
                    continue
                key = (sha, relative)
                found = verdicts.get(key)
                if found is None:
                    found = verdicts[key] = _count(check, blobs.read(sha), absolute, settings, top)
                files += 1
                total += found
                legacy += bool(found)
            points.append(HistoryPoint(commit, date, subject, total, legacy, files))
    finally:
        blobs.close()
    points.reverse()
    return points


def _wanted(name: str, relative: str, included, exclude) -> bool:
    base = name.rpartition("/")[2]
    if not included(base, relative):
        return False
    # An excluded directory anywhere above the file excludes it, as discovery's walk does.
    parts = relative.split("/")
    for depth in range(1, len(parts) + 1):
        if _excluded(parts[depth - 1], "/".join(parts[:depth]), exclude):
            return False
    return True


def _count(check, data: bytes, absolute: str, settings, top: str) -> int:
    if absolute.endswith(".ipynb"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _unreadable(settings, absolute)
    else:
        from ..lint.source import UnreadableSource, decode

        try:
            text = decode(data, absolute).text
        except UnreadableSource:
            return _unreadable(settings, absolute)
    result = check(source=text, filename=absolute, settings=settings, cwd=top)
    return len(result.diagnostics)


def _unreadable(settings, absolute: str) -> int:
    relative = os.path.relpath(absolute, settings.project_root).replace(os.sep, "/")
    return int(Code.UNREADABLE_FILE in settings.codes_for(relative))
