"""Where things are in a notebook's JSON text, found without re-serialising it.

Linting needs only ``json.loads``; writing a fix back and pointing into the file need to
know where each cell's ``source`` value (and each of its line strings) sits in the text.
A small walker finds those spans, letting the C scanner decode every value it skips.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring


class LayoutError(Exception):
    """The JSON is not shaped as the span walker expects."""


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_decoder = json.JSONDecoder()


def _skip(text: str, i: int) -> int:
    return _WHITESPACE.match(text, i).end()  # type: ignore[union-attr]


def _value(text: str, i: int):
    """(value, end) of the JSON value at ``i``; the C scanner does the work."""
    return _decoder.raw_decode(text, i)


def _members(text: str, i: int, on_member) -> int:
    """Walk the object at ``i``, calling ``on_member(key, value_start) -> value_end``."""
    if text[i : i + 1] != "{":
        raise LayoutError
    i = _skip(text, i + 1)
    if text[i : i + 1] == "}":
        return i + 1
    while True:
        if text[i : i + 1] != '"':
            raise LayoutError
        key, i = scanstring(text, i + 1)
        i = _skip(text, i)
        if text[i : i + 1] != ":":
            raise LayoutError
        i = _skip(text, on_member(key, _skip(text, i + 1)))
        if text[i : i + 1] == ",":
            i = _skip(text, i + 1)
        elif text[i : i + 1] == "}":
            return i + 1
        else:
            raise LayoutError


def _elements(text: str, i: int, on_element) -> int:
    """Walk the array at ``i``, calling ``on_element(start) -> end``."""
    i = _skip(text, i + 1)
    if text[i : i + 1] == "]":
        return i + 1
    while True:
        i = _skip(text, on_element(i))
        if text[i : i + 1] == ",":
            i = _skip(text, i + 1)
        elif text[i : i + 1] == "]":
            return i + 1
        else:
            raise LayoutError


def position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def locate_cells(text: str) -> list[tuple[int, tuple[int, int] | None, list[tuple[int, int]] | None]]:
    """For each cell of the (valid JSON) ``text``: where the cell starts, where its
    ``source`` value is, and where that list's string elements are (None: a string)."""
    found: list = []

    def on_source_member(fields: list):
        def on_member(key: str, start: int) -> int:
            if key != "source":
                return _value(text, start)[1]
            if text[start : start + 1] != "[":
                end = _value(text, start)[1]
                fields[1:] = [(start, end), None]
                return end
            tokens: list[tuple[int, int]] = []

            def on_line(at: int) -> int:
                end = _value(text, at)[1]
                tokens.append((at, end))
                return end

            end = _elements(text, start, on_line)
            fields[1:] = [(start, end), tokens]
            return end

        return on_member

    def on_cell(start: int) -> int:
        fields = [start, None, None]
        found.append(fields)
        if text[start : start + 1] != "{":
            return _value(text, start)[1]
        return _members(text, start, on_source_member(fields))

    def on_top(key: str, start: int) -> int:
        if key == "cells" and text[start : start + 1] == "[":
            found.clear()
            return _elements(text, start, on_cell)
        return _value(text, start)[1]

    _members(text, _skip(text, 0), on_top)
    return [tuple(fields) for fields in found]


#: What walking a text that is valid JSON but not shaped as a notebook can raise.
LAYOUT_ERRORS = (LayoutError, ValueError, IndexError, RecursionError)
