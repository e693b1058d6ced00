"""Writing fixed cell sources back into the notebook's JSON text.

The notebook is never re-serialised: only the changed cells' ``source`` values are
replaced, in the shape they had (a list of lines or one string), and untouched lines keep
their exact original tokens. Outputs, metadata, key order, indentation and the final
newline stay byte-identical.
"""

from __future__ import annotations

import json
import re

from .document import Cell, Notebook, encode_string

_JUPYTER_LINE = re.compile(r"[^\n]*\n|[^\n]+$")


def _split_lines(text: str) -> list[str]:
    """Lines as Jupyter stores them: each keeps its "\\n", the last one may lack it."""
    return _JUPYTER_LINE.findall(text)


def _new_source_value(notebook: Notebook, cell: Cell, new_text: str) -> str:
    text = notebook.text
    if cell.tokens is None:
        return encode_string(new_text, notebook.ensure_ascii)
    old_lines = [json.loads(text[s:e]) for s, e in cell.tokens]
    new_lines = _split_lines(new_text)
    if not new_lines:
        return "[]"
    start, end = cell.span
    if len(cell.tokens) >= 2:
        separator = text[cell.tokens[0][1] : cell.tokens[1][0]]
    elif cell.tokens:
        separator = "," + text[start + 1 : cell.tokens[0][0]]
    else:
        separator = ", "
    if cell.tokens:
        opening = text[start : cell.tokens[0][0]]
        closing = text[cell.tokens[-1][1] : end]
    else:
        opening, closing = "[", "]"
    # Unchanged lines keep their original tokens (and so their escaping) byte for byte.
    from difflib import SequenceMatcher

    tokens: list[str] = []
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            tokens.extend(text[s:e] for s, e in cell.tokens[i1:i2])
        else:
            tokens.extend(encode_string(line, notebook.ensure_ascii) for line in new_lines[j1:j2])
    return opening + separator.join(tokens) + closing


def rewrite(notebook: Notebook, sources: dict[int, str]) -> tuple[str, list[int]]:
    """The notebook's JSON text with the changed cells' sources replaced, and their numbers."""
    by_number = {cell.number: cell for cell in notebook.cells}
    changed = [n for n, new in sorted(sources.items()) if new != by_number[n].text]
    if changed:
        notebook.locate()
    pieces: list[str] = []
    cursor = 0
    for number in changed:
        cell = by_number[number]
        start, end = cell.span
        pieces.append(notebook.text[cursor:start])
        pieces.append(_new_source_value(notebook, cell, sources[number]))
        cursor = end
    pieces.append(notebook.text[cursor:])
    return "".join(pieces), changed


def cell_diff(display: str, number: int, before: str, after: str) -> str:
    from ..textdiff import unified_diff  # linear, as for .py files: exported cells can be huge

    def lines(text: str) -> list[str]:
        found = _split_lines(text)
        if found and not found[-1].endswith("\n"):
            found[-1] += "\n"  # cells conventionally lack a final newline: not a change
        return found

    name = f"{display}:cell {number}"
    return unified_diff(lines(before), lines(after), name, name)
