"""What a check returns: one ``FileReport`` per file, and the ``CheckResult`` of a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..diagnostics import Diagnostic


@dataclass
class FileReport:
    path: str
    #: Path relative to the project root (the cache key and per-file-ignores subject).
    relative_path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fixed: dict[str, int] = field(default_factory=dict)
    diff: str | None = None
    #: A failure to tell the user about (a write refused, a checker crash).
    error: str | None = None
    internal_error: bool = False
    #: Digest of the content the diagnostics describe, when they may be cached.
    cache_digest: bytes | None = None
    #: The file's fixed content when fixes were computed but not written (``--diff``, or
    #: a source checked in memory); None otherwise.
    fixed_data: bytes | None = None
    #: Whether the fixes were written to the file.
    written: bool = False

    # A worker's report crosses a pipe to the main process: its diagnostics travel in the
    # cache's compact tuples, cheaper to pickle and to rebuild than dataclass instances,
    # and kept (``packed``) so that the cache stores them without packing them again.
    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("packed", None)
        if all(d.path == self.path for d in self.diagnostics):
            from .cache import pack

            state["diagnostics"] = _Packed(pack(d) for d in self.diagnostics)
        return state

    def __setstate__(self, state: dict) -> None:
        diagnostics = state["diagnostics"]
        if diagnostics.__class__ is _Packed:
            from .cache import unpack

            state["diagnostics"] = [unpack(p, state["path"]) for p in diagnostics]
            state["packed"] = tuple(diagnostics)
        self.__dict__.update(state)


class _Packed(tuple):
    """Diagnostics in the cache's form, inside a pickled FileReport."""


@dataclass
class CheckResult:
    """The files of one check, in path order, and how their fixes were judged."""

    files: list[FileReport]
    #: Whether a diagnostic's fix is applied under this run's settings (the ``[*]`` mark).
    applicable: Callable[[Diagnostic], bool]
    fix: bool = False
    unsafe_fixes: bool = False

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every remaining diagnostic, file after file, each file's sorted."""
        return [d for r in self.files for d in r.diagnostics]

    @property
    def fixed(self) -> int:
        """How many fixes were applied (or, with ``diff``, would be)."""
        return sum(sum(r.fixed.values()) for r in self.files)

    @property
    def errors(self) -> list[str]:
        """Failures to tell the user about: a write refused, a checker crash."""
        return [r.error for r in self.files if r.error]

    @property
    def internal_error(self) -> bool:
        return any(r.internal_error for r in self.files)
