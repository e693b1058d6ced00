"""A notebook read from its JSON text: its cells, and where their sources sit in the text.

nbformat is not a runtime dependency: ``json`` only. Linting needs just the cells' text,
which the C parser gives fastest; where each value sits in the text is found later, and
only when something is written or located (``Notebook.locate``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..source import LINE_BREAK, UnreadableSource
from .layout import LAYOUT_ERRORS, locate_cells, position


class MalformedNotebook(UnreadableSource):
    """The file cannot be linted as a notebook; ``detail`` is the LV002 message detail.

    The same bytes always fail the same way, so the verdict may be cached."""

    cacheable = True


@dataclass
class Cell:
    #: 1-based position among all cells, markdown and raw included (ruff counts so).
    number: int
    kind: str
    text: str
    #: Where the ``source`` value is in the JSON text (start, end); set by ``locate``.
    span: tuple[int, int] = (0, 0)
    #: Where the list's string elements are; None when ``source`` is one string.
    tokens: list[tuple[int, int]] | None = None


@dataclass
class Notebook:
    text: str
    cells: list[Cell]
    #: False for a notebook whose kernel is another language (R, Julia): not linted.
    python: bool
    #: How new strings are escaped: as the file already does (nbformat writes UTF-8 as is).
    ensure_ascii: bool

    located: bool = False

    def code_cells(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.kind == "code"]

    def locate(self) -> None:
        """Find where each cell's source is in the text: needed to write back and to
        point into the file, not to lint."""
        if self.located:
            return
        try:
            where = locate_cells(self.text)
        except LAYOUT_ERRORS:
            raise MalformedNotebook("not a valid notebook: unexpected JSON layout") from None
        for cell in self.cells:
            _, span, tokens = where[cell.number - 1]
            cell.span, cell.tokens = span, tokens  # type: ignore[assignment]
        self.located = True


_MISSING = object()


def parse(text: str) -> Notebook:
    """The notebook in ``text``, or MalformedNotebook saying what is wrong and where.

    Linting needs only the cells' text, which the C parser gives fastest; where each
    value sits in the text is found later, and only when it is needed (``locate``)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedNotebook(f"not a valid notebook: invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise MalformedNotebook("not a valid notebook: JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise MalformedNotebook("not a notebook: the top level is not a JSON object")
    cells_value = data.get("cells", _MISSING)
    if cells_value is _MISSING:
        if "worksheets" in data:
            raise MalformedNotebook(
                "nbformat 3 notebooks (with 'worksheets') are not supported: convert it "
                "with `jupyter nbconvert --to notebook --inplace` first"
            )
        raise MalformedNotebook("not a notebook: no 'cells' list")
    if not isinstance(cells_value, list):
        raise MalformedNotebook("not a valid notebook: 'cells' is not a list")
    cells: list[Cell] = []
    for number, raw in enumerate(cells_value, 1):
        if not isinstance(raw, dict):
            raise _malformed_cell(text, number, f"cell {number} is not a JSON object")
        kind = raw.get("cell_type")
        if not isinstance(kind, str):
            raise _malformed_cell(text, number, f"cell {number} has no 'cell_type'")
        source = raw.get("source", _MISSING)
        if isinstance(source, str):
            cells.append(Cell(number, kind, source))
        elif isinstance(source, list) and all(isinstance(line, str) for line in source):
            cells.append(Cell(number, kind, "".join(source)))
        elif kind == "code":  # other cells are never linted: their shape is nbformat's business
            if source is _MISSING:
                raise _malformed_cell(text, number, f"code cell {number} has no 'source'")
            raise _malformed_cell(
                text, number, f"cell {number}: 'source' must be a string or a list of strings", at_source=True
            )
    return Notebook(text, cells, _is_python(data.get("metadata")), _escapes_non_ascii(text))


def _malformed_cell(text: str, number: int, detail: str, at_source: bool = False) -> MalformedNotebook:
    line = column = 1
    try:
        cell_start, source_span, _ = locate_cells(text)[number - 1]
        line, column = position(text, source_span[0] if at_source and source_span else cell_start)
    except LAYOUT_ERRORS:
        pass  # the message still says which cell
    return MalformedNotebook(f"not a valid notebook: {detail}", line, column)


def _is_python(metadata) -> bool:
    if not isinstance(metadata, dict):
        return True
    for section, key in (("language_info", "name"), ("kernelspec", "language")):
        info = metadata.get(section)
        if isinstance(info, dict) and isinstance(info.get(key), str):
            return info[key].lower() == "python"
    return True


def _escapes_non_ascii(text: str) -> bool:
    if not text.isascii():
        return False
    return "\\u" in text


def read(path: str) -> Notebook | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        return parse(decode(data)[0])
    except (OSError, MalformedNotebook, UnicodeDecodeError):
        return None


def decode(data: bytes) -> tuple[str, bool]:
    """The JSON text (the spec says UTF-8) and whether a BOM preceded it."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), True
    return data.decode("utf-8"), False


def json_position(notebook: Notebook, cell_number: int, row: int, column: int) -> tuple[int, int] | None:
    """Where (row, column) of a cell's source is in the notebook's JSON text (1-based), for
    formats that can only point into the file itself (GitHub annotations, SARIF)."""
    cell = next((c for c in notebook.cells if c.number == cell_number), None)
    if cell is None:
        return None
    try:
        notebook.locate()
    except MalformedNotebook:
        return None
    text = notebook.text
    spans = cell.tokens if cell.tokens is not None else [cell.span]
    # Row and column (0-based characters) where each token's value begins in the cell.
    current_row, current_column = 1, 0
    for start, end in spans:
        value = json.loads(text[start:end])
        segment_start = 0
        for segment in _LINE_WITH_BREAK.findall(value):
            content = LINE_BREAK.sub("", segment)
            if current_row == row:
                wanted = max(column, 1) - 1 - current_column
                if 0 <= wanted <= len(content):
                    encoded = encode_string(value[: segment_start + wanted], notebook.ensure_ascii)
                    return position(text, start + len(encoded) - 1)
            if len(content) < len(segment):
                current_row, current_column = current_row + 1, 0
            else:
                current_column += len(segment)
            segment_start += len(segment)
    return position(text, cell.span[0])


_LINE_WITH_BREAK = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def encode_string(value: str, ensure_ascii: bool) -> str:
    """A JSON string literal, escaped as the notebook already escapes."""
    return json.dumps(value, ensure_ascii=ensure_ascii)
