"""Source formats as adapters of the one lint pipeline (``engine.process_file``).

A format turns a file's bytes into a ``Document``: the Python text to analyse, how
positions in that text map back to the file's own coordinates, and how an edited text is
written back into the file's format with everything else byte-for-byte as it was. The
pipeline reads, analyses, fixes and writes without knowing which format it drives.

- ``.py``/``.pyi`` (``PythonDocument``): the text is the file decoded as the interpreter
  would; positions are its own; edits are encoded back with the file's codec.
- ``.ipynb`` (``legacy_variable.lint.notebook.NotebookDocument``): the code cells as one
  logical module; positions are (cell, row in cell); fixed cells are spliced back into the
  JSON text.
"""

from __future__ import annotations

from typing import Protocol, Sequence

from ..diagnostics import Diagnostic
from .source import LINE_BREAK, SourceFile, decode


class FixNotWritten(Exception):
    """A fixed text that cannot be put back into the file; ``str(exc)`` says why."""


class Document(Protocol):
    #: The Python text to analyse; None when the file holds nothing to lint (a notebook
    #: of another language, or without code cells).
    text: str | None

    def located(self, text: str, diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
        """``diagnostics`` found in ``text`` (the analysed text or a fixed one), with
        positions in the file's own coordinates."""

    def render(self, text: str) -> bytes:
        """The file's new bytes for the fixed ``text``; FixNotWritten when impossible."""

    def diff(self, display: str, text: str) -> str:
        """A unified diff from the file to the fixed ``text``, as the user knows the file."""

    def recover(self, display: str) -> list[Diagnostic] | None:
        """Called when ``text`` does not parse: for a format made of parts that run on
        their own (notebook cells), leave out the parts that do not parse, switch ``text``
        to the rest and return a diagnostic per part left out (file coordinates); None
        when there is nothing to recover (the error stands for the whole file)."""


class PythonDocument:
    def __init__(self, source: SourceFile):
        self.source = source
        self.text = source.text

    def located(self, text: str, diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
        return list(diagnostics)

    def render(self, text: str) -> bytes:
        try:
            return self.source.encode(text)
        except UnicodeEncodeError as exc:
            raise FixNotWritten(f"the result cannot be encoded as {self.source.encoding} ({exc.reason})") from None

    def diff(self, display: str, text: str) -> str:
        return unified_diff(self.source.text, text, display)

    def recover(self, display: str) -> None:
        return None  # a module runs as a whole: its syntax error is the file's


def load_python(data: bytes, path: str) -> PythonDocument:
    """UnreadableSource when the bytes are not Python source text."""
    return PythonDocument(decode(data, path))


def unified_diff(before: str, after: str, path: str) -> str:
    from . import textdiff  # linear on big files with many fixes, unlike difflib's

    return textdiff.unified_diff(_lines(before), _lines(after), path, path)


def _lines(text: str) -> list[str]:
    lines, start = [], 0
    for match in LINE_BREAK.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:] + "\n\\ No newline at end of file\n")
    return lines
