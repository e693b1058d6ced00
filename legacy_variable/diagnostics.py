"""One Diagnostic record for both faces (and its Fix/Edit).

Static diagnostics are built by ``lint/``; runtime ones by
``legacy_variable.runtime.emission.emit``. No torch import here: ``lint/`` uses this
module too.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

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

    def __post_init__(self) -> None:
        # A ``Code`` member is a str subclass: stored as the plain string so that pickling
        # (xdist, worker pools), ``sys.intern`` (the cache) and JSON see just the code.
        if self.code.__class__ is not str:
            object.__setattr__(self, "code", str(self.code))

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
            # Only on findings a recorded run judged (check --evidence).
            **({"evidence": {"status": self.arg("evidence"),
                             "observations": self.arg("observations")}}
               if self.arg("evidence") is not None else {}),
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
