"""flake8 plugin (entry point ``LV``): the linter's checks inside a flake8 run.

Thin on purpose: flake8 parses, selects, applies ``# noqa`` and reports; this asks
``legacy_variable.lint.check`` about the file's text with every rule selected and no
configuration file (flake8's own options govern), and translates. flake8 adds 1 to the
column it is given, so the 1-based character columns of our diagnostics go out 0-based.
Files that do not parse never reach an AST plugin (flake8 reports E999 itself), so
``async=`` (LV105) is for ``legacy-variable check``.
"""

from __future__ import annotations

import ast
from typing import Iterator, Sequence

from . import __version__


class LegacyVariableChecker:
    name = "legacy-variable"
    version = __version__

    def __init__(self, tree: ast.Module, lines: Sequence[str], filename: str):
        self.tree = tree
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        from .lint import check

        result = check(source="".join(self.lines), filename=self.filename, select=["ALL"], isolated=True)
        for diagnostic in result.diagnostics:
            yield (
                diagnostic.line,
                max(diagnostic.column - 1, 0),
                f"{diagnostic.code} {diagnostic.message}",
                type(self),
            )
