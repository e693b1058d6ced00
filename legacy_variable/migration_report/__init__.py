"""``legacy-variable report``: one page that shows where a repository stands.

The numbers (``builder.build``) come from the public linter API, ``lint.check``, so they are
the numbers ``legacy-variable check`` prints for the same tree and options; runtime
reports (``run --report``, ``pytest --legacy-variable-report``) are merged through
``tally.Entry``; the trend is read from git objects (``history``), never a checkout.
Three faces render one ``Report``: HTML (``html``, needs Jinja2: the ``report`` extra),
Markdown and JSON (standard library only).

Nothing here imports torch; Jinja2 is imported only when HTML is rendered, so that a
lint-only install never needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .builder import build
    from .model import Report

__all__ = ["Report", "build"]


def __getattr__(name: str):
    if name in __all__:
        from importlib import import_module

        value = getattr(import_module(".builder" if name == "build" else ".model", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
