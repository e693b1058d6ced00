"""LSP 3.17 notebook documents, linted as ``check`` lints the ``.ipynb`` file.

The client sends a notebook as cells (each a text document of its own). The server
rebuilds the notebook's JSON from them and hands it to the linter under the notebook's
own path, so the code cells are one logical module exactly as for ``check``
(``lint/notebook/cells.py``): the findings come back as (cell number, row in that cell),
and cell number N is the notebook's Nth cell, the client's ``cells[N-1]``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from lsprotocol import types as lsp


@dataclass(frozen=True)
class CellSnapshot:
    uri: str
    code: bool
    text: str
    language: str | None


def notebook_json(cells: list[CellSnapshot]) -> str:
    """An nbformat 4 notebook holding ``cells``; markdown ones too, so that numbers match."""
    payload = {
        "cells": [
            {
                "cell_type": "code" if cell.code else "markdown",
                "metadata": {},
                "source": cell.text,
                **({"execution_count": None, "outputs": []} if cell.code else {}),
            }
            for cell in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(payload, ensure_ascii=False)


def is_python_cell(cell: lsp.NotebookCell, language: str | None) -> bool:
    """A code cell in Python: other languages in a polyglot notebook are not linted."""
    return cell.kind == lsp.NotebookCellKind.Code and (language or "python").lower() in ("python", "python3")
