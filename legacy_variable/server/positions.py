"""Columns from the linter (1-based code points) to an LSP client (0-based code units of
the negotiated position encoding: UTF-16 unless the client offers another).

Pure functions over the text that was linted, so that a diagnostic's range is computed
against the very snapshot its columns were measured in.
"""

from __future__ import annotations

from ..lint.source import LINE_BREAK

UTF8 = "utf-8"
UTF16 = "utf-16"
UTF32 = "utf-32"


class Lines:
    """A text's lines (line breaks excluded) as the tokenizer counts them."""

    def __init__(self, text: str):
        # "\r", "\n" and "\r\n" only: str.splitlines would also break at "\x0c" and
        # "\u2028", where neither Python nor LSP clients start a line.
        self.lines = LINE_BREAK.split(text)

    def line(self, index: int) -> str:
        return self.lines[index] if 0 <= index < len(self.lines) else ""

    def __len__(self) -> int:
        return len(self.lines)


def units(text: str, encoding: str) -> int:
    """Length of ``text`` in the encoding's code units."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def to_client(lines: Lines, row: int, column: int, encoding: str) -> tuple[int, int]:
    """(line, character) for a 1-based row and 1-based code-point column."""
    line = max(row - 1, 0)
    character = max(column - 1, 0)
    return line, units(lines.line(line)[:character], encoding)
