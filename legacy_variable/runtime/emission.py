"""Emission: how a runtime diagnostic becomes a Python warning at the user's line and
reaches every active ``Collector`` (the ``run`` report, the pytest plugin).

The bottom layer of the runtime face: no torch import, so ``LegacyVariableWarning`` and
``configure`` work (and warning filters can name them) where torch is absent.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from contextlib import contextmanager
from itertools import islice
from typing import Iterator, Sequence

from .. import rules as _rules
from ..diagnostics import Diagnostic


class LegacyVariableWarning(DeprecationWarning):
    """A legacy idiom met at runtime. ``code`` is the catalog code (also the message prefix).

    A DeprecationWarning subclass, so ``-W error::DeprecationWarning`` and pytest's
    warning filters apply as users expect.
    """

    def __init__(self, message: str, code: str = "", diagnostic: Diagnostic | None = None):
        super().__init__(message)
        self.code = code or message.split(" ", 1)[0]
        self.diagnostic = diagnostic


#: Python's default filter that starts its built-in block (it shows DeprecationWarnings in
#: ``__main__`` only; the block ends with ``ignore::DeprecationWarning`` and friends).
_PYTHON_DEFAULTS_START = ("default", None, DeprecationWarning, "__main__", 0)
_VISIBLE = ("default", None, LegacyVariableWarning, None, 0)


def _filters_changed() -> None:
    # Private, so guarded: it only invalidates the registries' "already shown" memos.
    mutated = getattr(warnings, "_filters_mutated", None)
    if callable(mutated):
        mutated()


def show_outside_main() -> None:
    """Make ``LegacyVariableWarning`` visible in imported modules too (the shim calls
    this when it goes in: ``install()``, ``run``, the pytest plugin).

    Python hides DeprecationWarnings outside ``__main__`` with a default filter. Ours
    goes right in front of Python's built-in block, so every filter the user placed
    (``-W``, ``PYTHONWARNINGS``, ``simplefilter`` calls, pytest's ``filterwarnings``) is
    still in front of it and wins. Without the built-in block (``-X dev``, a program that
    reset the filters) nothing hides the warning and nothing is added."""
    with state.lock:
        filters = warnings.filters
        if _VISIBLE in filters:
            return
        try:
            index = filters.index(_PYTHON_DEFAULTS_START)
        except ValueError:
            return
        filters.insert(index, _VISIBLE)
        _filters_changed()


def stop_showing_outside_main() -> None:
    """Undo :func:`show_outside_main`."""
    with state.lock:
        try:
            warnings.filters.remove(_VISIBLE)
        except ValueError:
            return
        _filters_changed()


def pytest_traceback_hide(excinfo) -> bool:
    """pytest's ``__tracebackhide__`` for the modules a diagnostic is raised through: when
    a LegacyVariableWarning is the error (``--legacy-variable-strict``, ``filterwarnings =
    error``), their frames are hidden so the user's line ends the traceback. Any other
    exception keeps them (a bug in this package must stay visible)."""
    return excinfo is not None and isinstance(excinfo.value, LegacyVariableWarning)


# Module globals are where pytest looks when a frame has no such local: no per-call cost.
__tracebackhide__ = pytest_traceback_hide

ACTIONS = ("once", "always", "error", "ignore")
_ENV_VAR = "LEGACY_VARIABLE"


def env_action_error() -> str | None:
    """The message for an invalid ``LEGACY_VARIABLE`` value, or None when it is valid or
    unset. ``run`` and the pytest plugin refuse to start on it; a plain import warns."""
    raw = os.environ.get(_ENV_VAR, "")
    value = raw.strip().lower()
    if not value or value in ACTIONS:
        return None
    return (
        f"{_ENV_VAR}={raw!r} is not a valid action; expected one of {', '.join(ACTIONS)} "
        "(unset it for the default, once)"
    )


def _action_from_env() -> str:
    value = os.environ.get(_ENV_VAR, "").strip().lower()
    if value in ACTIONS:
        return value
    if value:
        # A library import must not fail on it; say it once, then use the default.
        warnings.warn(env_action_error() or "", RuntimeWarning)
    return "once"


class EmissionState:
    """Process-wide emission state; the lock guards the sets and the collector list."""

    def __init__(self) -> None:
        self.action = _action_from_env()
        self.lock = threading.Lock()
        # (code, filename, lineno) already warned about, for action "once".
        self.seen: set[tuple[str, str, int]] = set()
        # Fast-path memo for hot call sites (e.g. the Variable shim): keys chosen by the
        # caller, cleared with ``seen``.
        self.site_seen: dict[tuple, object] = {}
        #: The last hot site that hit ``site_seen`` (code object, f_lasti, codes): valid
        #: only under "once" with no collector, so both ``configure`` and a collector
        #: starting reset it (the shim returns on a match without reading the policy).
        self.last_site: tuple = (None, -1, None)
        self.collectors: list[Collector] = []


#: The one emission state of the process. Public inside the runtime: the shim's hot path
#: reads its policy and site memo directly (a function call there would double its cost).
state = EmissionState()


def configure(action: str | None = None) -> str:
    """Set how runtime diagnostics become Python warnings; returns the previous action.

    once   -- one warning per (rule, call site) (default)
    always -- a warning at every occurrence
    error  -- raise LegacyVariableWarning at the first occurrence
    ignore -- no warnings (collectors still count the diagnostics)

    The environment variable LEGACY_VARIABLE sets the initial action. Python's own
    warning filters apply on top of this.
    """
    previous = state.action
    if action is not None:
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}; got {action!r}")
        state.action = action
        with state.lock:
            state.seen.clear()
            state.site_seen.clear()
            state.last_site = (None, -1, None)
    return previous


def current_action() -> str:
    return state.action


# Frames inside these directories are never "the user's line".
# The package root (two levels up), not this sub-package: the re-export modules and
# faces above the runtime are library frames too.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_skip_prefixes: list[str] = [_PACKAGE_DIR]


def add_skipped_prefix(prefix: str) -> None:
    """Treat frames under ``prefix`` (e.g. torch's install dir) as library frames."""
    prefix = os.path.abspath(prefix) + os.sep
    if prefix not in _skip_prefixes:
        _skip_prefixes.append(prefix)
        _library_files.clear()


#: filename -> is_library_frame(filename): a few hundred files at most, asked per emit.
_library_files: dict[str, bool] = {}


def is_library_frame(filename: str) -> bool:
    known = _library_files.get(filename)
    if known is None:
        known = _library_files[filename] = filename.startswith("<frozen") or any(
            filename.startswith(prefix) for prefix in _skip_prefixes
        )
    return known


def display_path(path: str) -> str:
    """``path`` relative to the working directory when it lies below it, else as given."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path
    return path if rel.startswith("..") else rel


def user_frame(start=None):
    """The first frame outside this package (and registered library dirs)."""
    frame = start if start is not None else sys._getframe(1)
    while frame is not None and is_library_frame(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


#: (id(code object), f_lasti) -> (code object, column). Reading co_positions() walks the
#: whole code object, which dominated the cost of a repeated diagnostic (a training loop
#: under ``run`` or the pytest plugin reports every occurrence). The code object is kept
#: in the value so that its id cannot be reused while the entry exists.
_columns: dict[tuple[int, int], tuple[object, int]] = {}


def _frame_column(frame) -> int:
    """1-based column of the instruction being executed in ``frame`` (0 if unknown)."""
    code = frame.f_code
    key = (id(code), frame.f_lasti)
    cached = _columns.get(key)
    if cached is not None:
        return cached[1]
    try:
        entry = next(islice(code.co_positions(), frame.f_lasti // 2, None), None)
    except (AttributeError, ValueError):
        entry = None
    col = entry[2] if entry is not None else None
    column = col + 1 if col is not None else 0
    _columns[key] = (code, column)
    return column


class Collector:
    """Receives every runtime diagnostic while active, whatever the warning policy."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self._lock = threading.Lock()

    def add(self, diagnostic: Diagnostic) -> None:
        with self._lock:
            self.diagnostics.append(diagnostic)

    @property
    def codes(self) -> set[str]:
        return {d.code for d in self.diagnostics}

    def __enter__(self) -> "Collector":
        with state.lock:
            state.collectors.append(self)
            state.last_site = (None, -1, None)  # after the append: see the shim
        return self

    def __exit__(self, *exc) -> None:
        with state.lock:
            if self in state.collectors:
                state.collectors.remove(self)


@contextmanager
def collecting() -> Iterator[Collector]:
    with Collector() as collector:
        yield collector


#: (code, id(code object), f_lasti) -> (code object, Diagnostic): see ``emit``. Bounded by
#: the number of call sites; the code object pins the id.
_site_diagnostics: dict[tuple[str, int, int], tuple[object, Diagnostic]] = {}


def _diagnostic(code, text, filename, lineno, frame, related, values) -> Diagnostic:
    return Diagnostic(
        code=code,
        message=text,
        path=filename,
        line=lineno,
        column=_frame_column(frame),
        related=tuple(related),
        args=tuple(values.items()),
    )


def emit(
    code: _rules.Code,
    message: str | None = None,
    *,
    frame=None,
    related: Sequence[tuple[str, str]] = (),
    **values: object,
) -> Diagnostic | None:
    """Report rule ``code`` at the user's line (the first frame outside library code).

    ``message`` overrides the catalog template; otherwise ``values`` fill it. Returns the
    Diagnostic (also when the warning itself was suppressed by the policy), or None when
    nothing was recorded: no user frame, or a site already warned under ``once`` with no
    collector listening.
    """
    frame = user_frame(frame if frame is not None else sys._getframe(1))
    if frame is None:
        return None
    action = state.action
    collectors = state.collectors
    rule = _rules.RULES[code]
    if message is None and not values and not related:
        # A fixed-text diagnostic (the Variable shim's): one immutable object per site,
        # reused for every occurrence a collector counts in a loop.
        site = (code, id(frame.f_code), frame.f_lasti)
        cached = _site_diagnostics.get(site)
        if cached is None:
            cached = _site_diagnostics[site] = (frame.f_code, _diagnostic(
                code, rule.format(), frame.f_code.co_filename, frame.f_lineno, frame, related,
                values,
            ))
        diagnostic = cached[1]
        filename = diagnostic.path
        lineno = diagnostic.line
        text = diagnostic.message
        if action == "once" and not collectors and (code, filename, lineno) in state.seen:
            return None
    else:
        filename = frame.f_code.co_filename
        lineno = frame.f_lineno
        if action == "once" and not collectors:
            # Fast path: the same site already warned and nobody counts occurrences.
            if (code, filename, lineno) in state.seen:
                return None
        text = message if message is not None else rule.format(**values)
        diagnostic = _diagnostic(code, text, filename, lineno, frame, related, values)
    for collector in list(collectors):
        collector.add(diagnostic)
    if action == "ignore":
        return diagnostic
    if action == "once":
        key = (code, filename, lineno)
        if key in state.seen:  # counted above; the warning was given (the common case)
            return diagnostic
        with state.lock:
            if key in state.seen:
                return diagnostic
            state.seen.add(key)
    full = f"{code} {text} [{rule.name}]"
    warning = LegacyVariableWarning(full, code, diagnostic)
    if action == "error":
        raise warning
    module_globals = frame.f_globals
    registry = module_globals.setdefault("__warningregistry__", {})
    warnings.warn_explicit(
        warning,
        LegacyVariableWarning,
        filename,
        lineno,
        module=module_globals.get("__name__", "<unknown>"),
        registry=None if action == "always" else registry,
    )
    return diagnostic
