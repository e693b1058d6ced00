"""flake8 plugin (entry point ``LV``): the linter's checkers inside a flake8 run.

Thin on purpose: flake8 parses, selects, applies ``# noqa`` and reports; this only
translates. flake8 adds 1 to the column it is given, so the 1-based character columns of
our diagnostics go out 0-based. Files that do not parse never reach an AST plugin (flake8
reports E999 itself), so ``async=`` (LV105) is for ``legacy-variable check``.
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
        from .lint import checkers

        source = "".join(self.lines)
        for diagnostic in sorted(
            checkers.check_module(self.tree, source, self.filename), key=lambda d: d.sort_key()
        ):
            yield (
                diagnostic.line,
                max(diagnostic.column - 1, 0),
                f"{diagnostic.code} {diagnostic.message}",
                type(self),
            )
