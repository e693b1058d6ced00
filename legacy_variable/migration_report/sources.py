"""Source lines of a checked file, read back for the report (a finding is shown with its
line), decoded as the linter decodes them; a notebook's rows are counted per cell."""

from __future__ import annotations

import json

from ..lint.source import LINE_BREAK, UnreadableSource, decode

#: A source line longer than this is cut: a minified line must not bloat the page.
MAX_LINE = 240


class SourceLines:
    """Lines of one file, read lazily: most files of a large tree have no finding, and
    for those only the line count is needed (one ``bytes.count``)."""

    def __init__(self, path: str):
        self.path = path
        self._data: bytes | None = None
        self._rows: list[str] | None = None
        self._cells: list[list[str]] | None = None
        try:
            with open(path, "rb") as handle:
                self._data = handle.read()
        except OSError:
            self._data = None

    @property
    def notebook(self) -> bool:
        return self.path.endswith(".ipynb")

    def count(self) -> int:
        data = self._data
        if not data:
            return 0
        if self.notebook:
            return sum(len(cell) for cell in self._notebook_cells())
        return data.count(b"\n") + (not data.endswith(b"\n"))

    def line(self, row: int, cell: int | None = None) -> str | None:
        if self._data is None:
            return None
        if cell is not None:
            cells = self._notebook_cells()
            rows = cells[cell - 1] if 0 < cell <= len(cells) else []
        else:
            rows = self._python_rows()
        if not 0 < row <= len(rows):
            return None
        text = rows[row - 1].rstrip()
        return text if len(text) <= MAX_LINE else text[:MAX_LINE] + "…"

    def _python_rows(self) -> list[str]:
        if self._rows is None:
            try:
                text = decode(self._data or b"", self.path).text
            except UnreadableSource:
                text = (self._data or b"").decode("utf-8", "replace")
            self._rows = LINE_BREAK.split(text)
        return self._rows

    def _notebook_cells(self) -> list[list[str]]:
        # Every cell, markdown included: a diagnostic's cell number counts them all.
        if self._cells is None:
            self._cells = []
            try:
                document = json.loads((self._data or b"").decode("utf-8-sig"))
                for cell in document.get("cells", []):
                    source = cell.get("source", "")
                    text = "".join(source) if isinstance(source, list) else str(source)
                    self._cells.append(_rows(text) if cell.get("cell_type") == "code" else [])
            except (ValueError, AttributeError, TypeError):
                self._cells = []
        return self._cells


def _rows(text: str) -> list[str]:
    """A cell's rows as the linter counts them: at the tokenizer's line breaks only
    (``str.splitlines`` also breaks at form feeds, which shifted every later row)."""
    rows = LINE_BREAK.split(text)
    if rows and not rows[-1]:
        rows.pop()  # after a final line break: no row there
    return rows
