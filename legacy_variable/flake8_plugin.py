"""flake8 plugin (entry point ``LV``): the linter's checks inside a flake8 run.

Thin on purpose: flake8 parses, selects, applies ``# noqa`` and reports; this asks
``legacy_variable.lint.check`` about the file's text and translates. The project's
``[tool.legacy-variable]`` table (the nearest pyproject.toml above the file) applies as it
does for ``legacy-variable check`` (select, ignore, per-file-ignores); flake8's own
``--select``/``--extend-ignore`` and ``# noqa`` then filter what comes out. flake8 adds 1
to the column it is given, so the 1-based character columns of our diagnostics go out
0-based.

Files that do not parse never reach a plugin: flake8 reports E999 and stops there. So
``.cuda(async=True)`` (LV105) and Python 2 syntax are for ``legacy-variable check``, which
reads such files token by token and fixes ``async=``.
"""

from __future__ import annotations

import ast
import os
import sys
from typing import Iterator, Sequence

from . import __version__

#: directory -> resolved settings: flake8 checks many files of one project, and settings
#: come from the same pyproject.toml for all of them.
_settings: dict[str, object] = {}


def _settings_for(filename: str):
    from .lint.config import ConfigError, Layer, resolve

    directory = os.path.dirname(os.path.abspath(filename))
    if directory not in _settings:
        try:
            _settings[directory] = resolve(Layer(), [directory], cwd=os.getcwd())
        except ConfigError as exc:
            # A broken table must not crash flake8's whole run: say so once, use defaults.
            print(f"legacy-variable: warning: {exc}; flake8 uses the default rules", file=sys.stderr)
            _settings[directory] = resolve(Layer(), [directory], cwd=os.getcwd(), isolated=True)
    return _settings[directory]


class LegacyVariableChecker:
    name = "legacy-variable"
    version = __version__

    def __init__(self, tree: ast.Module, lines: Sequence[str], filename: str):
        self.tree = tree
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        from .lint import check

        settings = _settings_for(self.filename)
        result = check(source="".join(self.lines), filename=self.filename, settings=settings)
        for diagnostic in result.diagnostics:
            yield (
                diagnostic.line,
                max(diagnostic.column - 1, 0),
                f"{diagnostic.code} {diagnostic.message}",
                type(self),
            )
