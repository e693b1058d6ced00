"""Call sites, shared by legacy mode and its patches: whether a caller is user code, a
past call site kept as a small record, and the name a frame binds to an object.

No torch import; torch's own directory is registered as library code by ``shim``.
"""

from __future__ import annotations

import linecache
import warnings

from .emission import display_path, is_library_frame

_WARNINGS_FILES = {warnings.__file__}


def is_internal(filename: str) -> bool:
    """Library code: this package, registered dirs (torch), and warnings.py, which sits
    between torch's warn() and the mode's showwarnmsg hook."""
    return is_library_frame(filename) or filename in _WARNINGS_FILES


def user_caller(frame):
    """``frame`` if it is user code; None when torch or this package is the caller."""
    if frame is None or is_internal(frame.f_code.co_filename):
        return None
    return frame


#: filename -> whether frames there are library code (memo for per-op hot paths).
_internal_files: dict[str, bool] = {}


def called_by_user(frame) -> bool:
    """``user_caller(frame) is not None``, memoised per file for per-op hot paths."""
    filename = frame.f_code.co_filename
    internal = _internal_files.get(filename)
    if internal is None:
        internal = _internal_files[filename] = is_internal(filename)
    return not internal


class SiteFrame:
    """A frame-shaped record of a past call site, so ``emit`` can report there later.

    Keeping the real frame would keep its locals (tensors) alive.
    """

    __slots__ = ("f_code", "f_lineno", "f_lasti", "f_globals", "f_back")

    def __init__(self, frame) -> None:
        self.f_code = frame.f_code
        self.f_lineno = frame.f_lineno
        self.f_lasti = frame.f_lasti
        self.f_globals = frame.f_globals
        self.f_back = None

    @property
    def location(self) -> str:
        return f"{display_path(self.f_code.co_filename)}:{self.f_lineno}"

    @property
    def source(self) -> str:
        return linecache.getline(self.f_code.co_filename, self.f_lineno).strip()


def name_in(frame, obj) -> str | None:
    """A variable name bound to ``obj`` in ``frame`` (locals, then globals), by identity."""
    if frame is None:
        return None
    for namespace in (frame.f_locals, frame.f_globals):
        for name, value in list(namespace.items()):
            if value is obj and not name.startswith("_"):
                return name
    return None
