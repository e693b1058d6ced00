"""The ``.ipynb`` source format for the lint pipeline (see ``lint/adapters.py``)."""

from __future__ import annotations

from typing import Sequence

from ...diagnostics import Diagnostic
from ..adapters import FixNotWritten
from .cells import CellPositions, logical_module, split_cells
from .document import MalformedNotebook, decode, parse
from .rewrite import cell_diff, rewrite

_BOM = b"\xef\xbb\xbf"


class NotebookDocument:
    def __init__(self, data: bytes):
        try:
            text, self.bom = decode(data)
        except UnicodeDecodeError as exc:
            raise MalformedNotebook(f"cannot decode as utf-8: {exc.reason}") from None
        self.notebook = parse(text)
        self.module = logical_module(self.notebook)
        self.text = self.module.text if self.notebook.python and self.module.cells else None
        #: The last fixed text rendered, and its cells: ``diff`` follows ``render``.
        self._rendered: tuple[str, dict[int, str], list[int]] | None = None

    def recover(self, display: str) -> list[Diagnostic] | None:
        """Cells that do not parse even alone are left out of the module, each with its
        own LV001 (see ``notebook.recovery``); None when every cell parses alone."""
        from .recovery import cells_that_fail

        failures, failed, indented = cells_that_fail(self.notebook, display)
        if not failed and not indented:
            return None
        self.module = logical_module(self.notebook, failed, indented)
        self.text = self.module.text
        return failures

    def located(self, text: str, diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
        positions = CellPositions(text)
        return [positions.diagnostic(d) for d in diagnostics]

    def render(self, text: str) -> bytes:
        sources = split_cells(self.module, text)
        if sources is None:
            raise FixNotWritten("it would have changed a cell boundary or an IPython line")
        try:
            new_text, changed = rewrite(self.notebook, sources)
        except MalformedNotebook as exc:
            raise FixNotWritten(exc.detail) from None
        self._rendered = (text, sources, changed)
        return (_BOM if self.bom else b"") + new_text.encode("utf-8")

    def diff(self, display: str, text: str) -> str:
        if self._rendered is None or self._rendered[0] != text:
            self.render(text)
        _, sources, changed = self._rendered  # type: ignore[misc]
        by_number = {cell.number: cell for cell in self.notebook.cells}
        return "".join(cell_diff(display, n, by_number[n].text, sources[n]) for n in changed)


def load_notebook(data: bytes, path: str) -> NotebookDocument:
    """MalformedNotebook (an UnreadableSource) when the bytes are not a notebook."""
    return NotebookDocument(data)
