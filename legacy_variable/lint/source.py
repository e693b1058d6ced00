"""Reading a Python file as the interpreter would, and writing it back the same way.

The decoded text keeps the file's exact line endings (no universal-newline translation),
so edits computed on it can be written back byte-identical outside the edited ranges.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import tokenize
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

#: How much of the file is looked at for NUL bytes, as git does to call a file binary.
_BINARY_SNIFF = 8192

#: A coding line, as PEP 263 spells it (on one of the first two lines).
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)

#: What the tokenizer (and so ast) counts as a line break.
LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SourceFile:
    path: str
    text: str
    #: Codec to encode ``text`` back with: "utf-8-sig" when the file had a BOM.
    encoding: str
    data: bytes

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)


class UnreadableSource(Exception):
    """The file cannot be linted; ``detail`` is the LV002 detail, at ``line``:``column``."""

    #: Whether the same bytes always fail the same way (a verdict the cache may keep).
    cacheable = False

    def __init__(self, detail: str, line: int = 1, column: int = 1):
        super().__init__(detail)
        self.detail = detail
        self.line = line
        self.column = column


def decode(data: bytes, path: str = "<bytes>") -> SourceFile:
    if b"\0" in data[:_BINARY_SNIFF]:
        raise UnreadableSource("binary file (contains NUL bytes)")
    # Most files declare nothing: no BOM and no "coding" in the two lines a declaration
    # may sit on. Those are UTF-8, as tokenize would say, without its per-line reads.
    if not data.startswith(codecs.BOM_UTF8) and b"coding" not in data[: _head_end(data)]:
        try:
            return SourceFile(path=path, text=data.decode("utf-8"), encoding="utf-8", data=data)
        except UnicodeDecodeError as error:
            raise UnreadableSource(f"cannot decode as utf-8: {error.reason}") from None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # bad cookie, a BOM contradicting it, or bad UTF-8 early on
        if "invalid or missing" in str(exc.msg):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as error:
                raise UnreadableSource(f"cannot decode as utf-8: {error.reason}") from None
        if data.startswith(codecs.BOM_UTF8):
            # tokenize says only "encoding problem: utf-8": name what contradicts what.
            declared = _COOKIE.search(b"\n".join(data[3:].split(b"\n", 2)[:2]))  # the first two lines
            if declared is not None:
                name = declared.group(1).decode("ascii", "replace")
                raise UnreadableSource(
                    f"invalid encoding declaration: a UTF-8 byte order mark, but the coding line says {name}"
                ) from None
        raise UnreadableSource(f"invalid encoding declaration: {exc.msg}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise UnreadableSource(f"cannot decode as {encoding}: {reason}") from None
    return SourceFile(path=path, text=text, encoding=encoding, data=data)


def _head_end(data: bytes) -> int:
    """Where the first two lines end (a coding declaration must sit on one of them)."""
    first = data.find(b"\n")
    if first < 0:
        return len(data)
    second = data.find(b"\n", first + 1)
    return len(data) if second < 0 else second


def declared_encoding(text: str) -> str:
    """The codec a source text's coding line names, as the interpreter reads it; "utf-8"
    when it names none. For encoding a text held in memory as its file would be."""
    first = text.find("\n")
    second = text.find("\n", first + 1) if first >= 0 else -1
    head = text if second < 0 else text[: second + 1]
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(head.encode("ascii", "replace")).readline)
    except SyntaxError:
        return "utf-8"
    return "utf-8" if encoding == "utf-8-sig" else encoding


#: LV002 detail for a FIFO, socket or device file: never opened for reading.
NOT_REGULAR = "not a regular file"

# Opening a FIFO for reading blocks until a writer comes, forever in a lint run; with
# O_NONBLOCK the open returns at once and fstat tells what was opened. On a regular file
# the flag changes nothing.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def read_bytes(path: str) -> bytes:
    """The file's bytes; UnreadableSource for a directory, a FIFO, a socket, a device
    (none of which is read) or an OS error."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except IsADirectoryError:
        raise UnreadableSource("is a directory") from None
    except OSError as exc:
        raise UnreadableSource(exc.strerror or str(exc)) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise UnreadableSource("is a directory")
        if not stat.S_ISREG(mode):
            raise UnreadableSource(NOT_REGULAR)
        with open(fd, "rb", closefd=False) as handle:
            return handle.read()
    except OSError as exc:
        raise UnreadableSource(exc.strerror or str(exc)) from None
    finally:
        os.close(fd)


def read_source(path: str) -> SourceFile:
    return decode(read_bytes(path), path)


def line_starts(text: str) -> list[int]:
    """Offset of each line's first character; index 0 is line 1."""
    if "\r" in text:
        starts = [0]
        starts.extend(match.end() for match in LINE_BREAK.finditer(text))
        return starts
    # The common case without a match object per line (a file with findings computes
    # this once): each line's length plus its newline, summed, in C.
    starts = list(accumulate(map((1).__add__, map(len, text.split("\n"))), initial=0))
    starts.pop()  # where the text ends: no line starts there
    return starts


@lru_cache(maxsize=1)  # one file at a time: each of its findings may ask
def joined_rows(text: str) -> dict[int, tuple[int, int]] | None:
    """Each row that Python joins with others into one line -> (first, last) row of
    them: rows between two line-ending tokens (NEWLINE, NL), a backslash continuation or
    a string over several rows, as flake8 maps its noqa comments. Rows on their own are
    not in it. None when the text does not tokenize. A tokenize costs about two parses:
    for the rare caller (noqa.py, ``--add-noqa``, a comment a fix writes)."""
    joined: dict[int, tuple[int, int]] = {}
    first = last = 0
    try:
        # Universal newlines: rows split at "\r" too, as the tokenizer counts them.
        for token in tokenize.generate_tokens(io.StringIO(text, newline=None).readline):
            kind = token.type
            if kind == tokenize.ENDMARKER or kind == tokenize.DEDENT:
                continue
            first = min(first, token.start[0]) if first else token.start[0]
            last = max(last, token.end[0])
            if kind == tokenize.NEWLINE or kind == tokenize.NL:
                if last > first:
                    joined.update(dict.fromkeys(range(first, last + 1), (first, last)))
                first = last = 0
    except (tokenize.TokenError, SyntaxError):
        return None
    return joined
