"""One Diagnostic record for both faces, and how runtime diagnostics are emitted.

Static diagnostics are built by ``lint/``; runtime ones by ``emit``, which turns a rule
code into a ``LegacyVariableWarning`` at the user's line and tells every active
``Collector`` (the ``run`` report, the pytest plugin) about it.

No torch import here: ``lint/`` uses this module too.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Iterator, Mapping, Sequence

from . import rules as _rules

SAFE = "safe"
UNSAFE = "unsafe"
DISPLAY_ONLY = "display-only"


@dataclass(frozen=True)
class Edit:
    """Replace the text between two 1-based (row, column) positions, end exclusive.

    Columns count characters (not bytes), as ruff's JSON does.
    """

    content: str
    row: int
    column: int
    end_row: int
    end_column: int

    def to_json(self) -> dict:
        return {
            "content": self.content,
            "location": {"row": self.row, "column": self.column},
            "end_location": {"row": self.end_row, "column": self.end_column},
        }


@dataclass(frozen=True)
class Fix:
    edits: tuple[Edit, ...]
    applicability: str = SAFE
    message: str = ""

    def to_json(self) -> dict:
        return {
            "applicability": self.applicability,
            "message": self.message or None,
            "edits": [edit.to_json() for edit in self.edits],
        }


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    path: str
    line: int
    #: 1-based character column (0 when unknown, e.g. some runtime frames).
    column: int
    end_line: int | None = None
    end_column: int | None = None
    fix: Fix | None = None
    #: Notebook cell (1-based) for .ipynb sources; None elsewhere.
    cell: int | None = None
    noqa_row: int | None = None
    #: Extra facts a consumer may print (e.g. "wrap_site": "demo.py:9").
    related: tuple[tuple[str, str], ...] = field(default=())
    #: The message's structured arguments (placeholder -> value), in the order given. The
    #: text is rendered from the rule's template in one place (``of``/``with_args``);
    #: consumers that need a fact (a notebook mapping a line, the report, evidence) read it
    #: here, never out of the rendered prose.
    args: tuple[tuple[str, object], ...] = field(default=())

    @classmethod
    def of(cls, code: str, path: str, line: int, column: int,
           args: Mapping[str, object] | None = None, **fields) -> "Diagnostic":
        """A diagnostic whose message is the catalog template of ``code`` filled with
        ``args``."""
        items = tuple((args or {}).items())
        return cls(code, _rules.RULES[code].format(**dict(items)), path, line, column,
                   args=items, **fields)

    def arg(self, name: str, default: object = None) -> object:
        for key, value in self.args:
            if key == name:
                return value
        return default

    def with_args(self, **changes: object) -> "Diagnostic":
        """The same diagnostic with some arguments replaced and its message re-rendered."""
        merged = dict(self.args)
        merged.update(changes)
        items = tuple(merged.items())
        return replace(self, message=_rules.RULES[self.code].format(**merged), args=items)

    @property
    def rule(self) -> _rules.Rule | None:
        return _rules.RULES.get(self.code)

    @property
    def name(self) -> str:
        rule = self.rule
        return rule.name if rule else self.code.lower()

    def sort_key(self) -> tuple:
        return (self.path, self.cell or 0, self.line, self.column, self.code)

    def to_json(self) -> dict:
        """ruff's ``--output-format json`` object shape."""
        rule = self.rule
        return {
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "filename": self.path,
            "location": {"row": self.line, "column": self.column},
            "end_location": {
                "row": self.end_line if self.end_line is not None else self.line,
                "column": self.end_column if self.end_column is not None else self.column,
            },
            "fix": self.fix.to_json() if self.fix else None,
            "noqa_row": self.noqa_row if self.noqa_row is not None else self.line,
            "cell": self.cell,
            "url": rule.url if rule else None,
        }

    @classmethod
    def from_json(cls, data: dict) -> "Diagnostic":
        fix = None
        if data.get("fix"):
            f = data["fix"]
            fix = Fix(
                edits=tuple(
                    Edit(
                        e["content"],
                        e["location"]["row"],
                        e["location"]["column"],
                        e["end_location"]["row"],
                        e["end_location"]["column"],
                    )
                    for e in f.get("edits", [])
                ),
                applicability=f.get("applicability", SAFE),
                message=f.get("message") or "",
            )
        end = data.get("end_location") or {}
        return cls(
            code=data["code"],
            message=data["message"],
            path=data["filename"],
            line=data["location"]["row"],
            column=data["location"]["column"],
            end_line=end.get("row"),
            end_column=end.get("column"),
            fix=fix,
            cell=data.get("cell"),
            noqa_row=data.get("noqa_row"),
        )


# --------------------------------------------------------------------------- runtime


class LegacyVariableWarning(DeprecationWarning):
    """A legacy idiom met at runtime. ``code`` is the catalog code (also the message prefix).

    A DeprecationWarning subclass, so ``-W error::DeprecationWarning`` and pytest's
    warning filters apply as users expect.
    """

    def __init__(self, message: str, code: str = "", diagnostic: Diagnostic | None = None):
        super().__init__(message)
        self.code = code or message.split(" ", 1)[0]
        self.diagnostic = diagnostic


ACTIONS = ("once", "always", "error", "ignore")
_ENV_VAR = "LEGACY_VARIABLE"


def _action_from_env() -> str:
    value = os.environ.get(_ENV_VAR, "").strip().lower()
    return value if value in ACTIONS else "once"


class _State:
    """Process-wide emission state; the lock guards the sets and the collector list."""

    def __init__(self) -> None:
        self.action = _action_from_env()
        self.lock = threading.Lock()
        # (code, filename, lineno) already warned about, for action "once".
        self.seen: set[tuple[str, str, int]] = set()
        # Fast-path memo for hot call sites (e.g. the Variable shim): keys chosen by the
        # caller, cleared with ``seen``.
        self.site_seen: dict[tuple, object] = {}
        #: The last hot site that hit ``site_seen`` (code object, f_lasti, codes).
        self.last_site: tuple = (None, -1, None)
        self.collectors: list[Collector] = []


_state = _State()


def configure(action: str | None = None) -> str:
    """Set how runtime diagnostics become Python warnings; returns the previous action.

    once   -- one warning per (rule, call site) (default)
    always -- a warning at every occurrence
    error  -- raise LegacyVariableWarning at the first occurrence
    ignore -- no warnings (collectors still count the diagnostics)

    The environment variable LEGACY_VARIABLE sets the initial action. Python's own
    warning filters apply on top of this.
    """
    previous = _state.action
    if action is not None:
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}; got {action!r}")
        _state.action = action
        with _state.lock:
            _state.seen.clear()
            _state.site_seen.clear()
            _state.last_site = (None, -1, None)
    return previous


def current_action() -> str:
    return _state.action


# Frames inside these directories are never "the user's line".
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_skip_prefixes: list[str] = [_PACKAGE_DIR]


def add_skipped_prefix(prefix: str) -> None:
    """Treat frames under ``prefix`` (e.g. torch's install dir) as library frames."""
    prefix = os.path.abspath(prefix) + os.sep
    if prefix not in _skip_prefixes:
        _skip_prefixes.append(prefix)


def _is_library_frame(filename: str) -> bool:
    if filename.startswith("<frozen"):
        return True
    for prefix in _skip_prefixes:
        if filename.startswith(prefix):
            return True
    return False


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
    while frame is not None and _is_library_frame(frame.f_code.co_filename):
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
        with _state.lock:
            _state.collectors.append(self)
        return self

    def __exit__(self, *exc) -> None:
        with _state.lock:
            if self in _state.collectors:
                _state.collectors.remove(self)


@contextmanager
def collecting() -> Iterator[Collector]:
    with Collector() as collector:
        yield collector


def emit(
    code: str,
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
    filename = frame.f_code.co_filename
    lineno = frame.f_lineno
    action = _state.action
    collectors = _state.collectors
    if action == "once" and not collectors:
        # Fast path: the same site already warned and nobody counts occurrences.
        if (code, filename, lineno) in _state.seen:
            return None
    rule = _rules.RULES[code]
    text = message if message is not None else rule.format(**values)
    diagnostic = Diagnostic(
        code=code,
        message=text,
        path=filename,
        line=lineno,
        column=_frame_column(frame),
        related=tuple(related),
        args=tuple(values.items()),
    )
    for collector in list(collectors):
        collector.add(diagnostic)
    if action == "ignore":
        return diagnostic
    full = f"{code} {text} [{rule.name}]"
    warning = LegacyVariableWarning(full, code, diagnostic)
    if action == "error":
        raise warning
    if action == "once":
        key = (code, filename, lineno)
        with _state.lock:
            if key in _state.seen:
                return diagnostic
            _state.seen.add(key)
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
