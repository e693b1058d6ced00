"""The static face: parse, check, fix. Never imports torch (start-up time, and it must
run where torch is absent) and never imports or executes the code it checks.

The library API, the one that ``legacy-variable check``, the flake8 plugin, an editor
server and a report use::

    from legacy_variable.lint import check, fix_source

    result = check(["src", "notebooks/train.ipynb"], select=["LV1"], ignore=["LV114"])
    for d in result.diagnostics:            # sorted by file, (cell,) line, column
        print(d.path, d.cell, d.line, d.column, d.code, d.message)
    check(["src"], fix=True)                # rewrites files; .fixed counts what was fixed

    result = check(source="y = Variable(x)\\n", filename="snippet.py")
    new_text, remaining = fix_source("loss.data[0]\\n", "train.py")

Names are imported on first use, so that ``import legacy_variable.lint`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .api import check, fix_source
    from .result import CheckResult, FileReport

__all__ = ["CheckResult", "FileReport", "check", "fix_source"]

_LAZY = {
    "check": "api",
    "fix_source": "api",
    "CheckResult": "result",
    "FileReport": "result",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
