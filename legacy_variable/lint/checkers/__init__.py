"""Rule checkers over one parsed module.

Contract with the engine (``lint/engine.py``):

    check_module(tree: ast.Module, source: str, path: str) -> list[Diagnostic]

``source`` is the decoded text exactly as in the file (original line endings); ``path``
is the display path. Diagnostics carry 1-based lines and 1-based *character* columns
(ast's col_offset counts UTF-8 bytes: convert), and fixes as ``Edit`` ranges in the same
coordinates. The engine applies noqa, selection, fixes and output; checkers only find.
"""

from __future__ import annotations

import ast

from ...diagnostics import Diagnostic


def check_module(tree: ast.Module, source: str, path: str) -> list[Diagnostic]:
    # Placeholder until the rule checkers land (issue 3); the engine is tested against it.
    return []
