"""Jupyter notebooks: every code cell linted as one module, fixes spliced back into the JSON.

A notebook runs top to bottom in one namespace, so its code cells are checked as one
logical module (``from torch.autograd import Variable`` in cell 1 makes ``Variable(x)`` in
cell 3 a finding), as ruff does. Each cell in that module is preceded by a boundary
comment, which lets the fixed text be cut back into cells after any number of fix rounds
without the fixer knowing about notebooks, and maps every row back to (cell, row in cell).

IPython syntax (``%magic``, ``!shell``, ``?obj``, ``obj?``, ``x = !cmd``, automagics such
as ``pip install x``) is not Python: such lines are replaced by a numbered ``pass``
placeholder for the analysis and restored verbatim before anything is written, so they
are never reported and never altered. A cell opened by a cell magic runs its body as
something else (``%%bash``, ``%%html``) and is left out, except the magics whose body is
Python in the notebook's namespace (``%%time``, ``%%timeit``, ``%%capture``...): there only
the magic line is masked, as ruff does.

Writing back never re-serialises the notebook: the JSON text is walked for where each
cell's ``source`` value sits (only when something is written or located: linting needs
just ``json.loads``), and only the changed cells' values are replaced, in the
shape they had (a list of lines or one string), with untouched lines keeping their exact
original tokens. Outputs, metadata, key order, indentation and the final newline stay
byte-identical. ``json`` only: nbformat is not a runtime dependency.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from json.decoder import scanstring

from ..diagnostics import Diagnostic, Edit
from ..rules import RULES
from .source import LINE_BREAK, line_starts

# ---------------------------------------------------------------------- reading the JSON


class MalformedNotebook(Exception):
    """The file cannot be linted as a notebook; ``detail`` is the LV002 message detail."""

    def __init__(self, detail: str, line: int = 1, column: int = 1):
        super().__init__(detail)
        self.detail = detail
        self.line = line
        self.column = column


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
            where = _locate(self.text)
        except (_Structure, ValueError, IndexError, RecursionError):
            raise MalformedNotebook("not a valid notebook: unexpected JSON layout") from None
        for cell in self.cells:
            _, span, tokens = where[cell.number - 1]
            cell.span, cell.tokens = span, tokens  # type: ignore[assignment]
        self.located = True


class _Structure(Exception):
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
        raise _Structure
    i = _skip(text, i + 1)
    if text[i : i + 1] == "}":
        return i + 1
    while True:
        if text[i : i + 1] != '"':
            raise _Structure
        key, i = scanstring(text, i + 1)
        i = _skip(text, i)
        if text[i : i + 1] != ":":
            raise _Structure
        i = _skip(text, on_member(key, _skip(text, i + 1)))
        if text[i : i + 1] == ",":
            i = _skip(text, i + 1)
        elif text[i : i + 1] == "}":
            return i + 1
        else:
            raise _Structure


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
            raise _Structure


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


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
        cell_start, source_span, _ = _locate(text)[number - 1]
        line, column = _position(text, source_span[0] if at_source and source_span else cell_start)
    except (_Structure, ValueError, IndexError, RecursionError):
        pass  # the message still says which cell
    return MalformedNotebook(f"not a valid notebook: {detail}", line, column)


def _locate(text: str) -> list[tuple[int, tuple[int, int] | None, list[tuple[int, int]] | None]]:
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


# ---------------------------------------------------------------------- IPython syntax

#: Cell magics whose body is Python run in the notebook's namespace (ruff lints these too): the
#: body is linted, only the magic line is masked. Any other cell magic hides its cell.
TRANSPARENT_CELL_MAGICS = frozenset({"capture", "debug", "prun", "pypy", "python", "python3", "time", "timeit"})

#: Line magics IPython runs without their ``%`` (automagic). Each such line would be a
#: syntax error as Python (a name followed by a word), so masking it can hide nothing.
_AUTOMAGICS = (
    "alias|autoawait|autocall|automagic|bookmark|cat|cd|clear|colors|conda|config|cp|"
    "debug|dhist|dirs|doctest_mode|ed|edit|env|gui|hist|history|killbgscripts|ldir|less|"
    "load|load_ext|loadpy|logoff|logon|logstart|logstate|logstop|ls|lsmagic|macro|magic|"
    "man|matplotlib|mkdir|more|mv|notebook|page|pastebin|pdb|pdef|pdoc|pfile|pinfo|"
    "pinfo2|pip|popd|pprint|precision|prun|psearch|psource|pushd|pwd|pycat|pylab|"
    "quickref|recall|rehashx|reload_ext|rep|rerun|reset|reset_selective|rm|rmdir|run|"
    "save|sc|set_env|store|sx|system|tb|time|timeit|unalias|unload_ext|who|who_ls|"
    "whos|xdel|xmode"
)


def _by_first_letter(alternatives: str) -> str:
    """The same alternation, grouped by first letter: tried at every line start, a flat
    list of eighty names costs eighty attempts per line; grouped, about one."""
    groups: dict[str, list[str]] = {}
    for name in sorted(alternatives.split("|"), key=lambda n: (-len(n), n)):
        groups.setdefault(name[0], []).append(name[1:])
    return "|".join(f"{first}(?:{'|'.join(rests)})" for first, rests in sorted(groups.items()))


_AUTOMAGICS = _by_first_letter(_AUTOMAGICS)

# A line at the start of a statement that IPython, not Python, reads.
_MAGIC = re.compile(
    r"""[ \t]*(?:
        [%!?][^\r\n]*                                         # %magic, !shell, ?help
      | [\w.*\[\]]+\?\??[ \t]*(?=\r|\n|\Z)                      # obj? obj??
      | [A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*
        [ \t]*=[ \t]*[!%][^\r\n]*                             # files = !ls
      | (?:"""
    + _AUTOMAGICS
    + r""")[ \t]+(?![=(\[,:;+\-*/%<>&|^@~!]|\.(?=[A-Za-z_])|(?:if|in|is|and|or|not|else|for)\b)[^\r\n]*
    )""",
    re.VERBOSE,
)

# Cheap pre-filter: most cells have no line that could be IPython syntax at all.
_CANDIDATE = re.compile(
    r"^[ \t]*(?:[%!?]|[\w.*\[\]]+\?\??[ \t]*$|[A-Za-z_][\w., \t]*=[ \t]*[!%]|(?:" + _AUTOMAGICS + r")[ \t])",
    re.MULTILINE,
)

# Enough of Python's lexer to know where statements start: strings, comments, brackets.
_TOKEN = re.compile(
    r"""(?P<string>\"\"\"(?:\\.|[^\\])*?\"\"\"|'''(?:\\.|[^\\])*?'''|"(?:\\.|[^\\"\r\n])*"|'(?:\\.|[^\\'\r\n])*')
      | (?P<comment>\#[^\r\n]*)
      | (?P<open>[(\[{])
      | (?P<close>[)\]}])
      | (?P<continuation>\\(?:\r\n|\r|\n))
      | (?P<newline>\r\n|\r|\n)""",
    re.VERBOSE | re.DOTALL,
)

_CELL_MAGIC = re.compile(r"[ \t\r\n]*%%([\w.]+)")

# A statement, so that a magic can be the only line of a block; the lines a trailing
# backslash continues a magic onto become a comment, which fits at any indentation.
_PLACEHOLDER = "pass  # <legacy-variable magic {}>"
_CONTINUATION_PLACEHOLDER = "# <legacy-variable magic {}>"
_PLACEHOLDER_LINE = re.compile(
    r"^[ \t]*(?:pass  )?# <legacy-variable magic (\d+)>(?=\r\n|\r|\n|\Z)", re.MULTILINE
)


def _magic_spans(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, continues a magic) of each line, line break excluded, that is
    IPython syntax."""
    spans: list[tuple[int, int, bool]] = []
    cell_magic = _CELL_MAGIC.match(text)
    if cell_magic is not None:
        start = text.rfind("\n", 0, cell_magic.start(1)) + 1
        spans.append((start, _line_end(text, start), False))
    if not _CANDIDATE.search(text):
        return spans
    pos = spans[0][1] if spans else 0
    length = len(text)
    depth = 0
    at_start = True
    while pos < length:
        if at_start:
            match = _MAGIC.match(text, pos)
            if match is not None:
                start = pos
                end = _line_end(text, start)
                spans.append((start, end, False))
                # A magic continued with a trailing backslash goes on on the next line.
                while text[end - 1 : end] == "\\" and end < length:
                    start = _next_line(text, end)
                    end = _line_end(text, start)
                    spans.append((start, end, True))
                pos = _next_line(text, end)
                continue
        token = _TOKEN.search(text, pos)
        if token is None:
            break
        kind = token.lastgroup
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(depth - 1, 0)
        at_start = kind == "newline" and depth == 0
        pos = token.end()
    return spans


def _line_end(text: str, start: int) -> int:
    match = LINE_BREAK.search(text, start)
    return match.start() if match else len(text)


def _next_line(text: str, end: int) -> int:
    match = LINE_BREAK.match(text, end)
    return match.end() if match else len(text)


def mask(text: str) -> tuple[str, list[str]] | None:
    """The cell as Python (IPython lines replaced by numbered placeholders) and the lines
    replaced; None when a cell magic makes the whole cell something other than Python."""
    cell_magic = _CELL_MAGIC.match(text)
    if cell_magic is not None and cell_magic.group(1) not in TRANSPARENT_CELL_MAGICS:
        return None
    spans = _magic_spans(text)
    if not spans:
        return text, []
    pieces: list[str] = []
    originals: list[str] = []
    cursor = 0
    for start, end, continuation in spans:
        line = text[start:end]
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        pieces.append(text[cursor:start])
        placeholder = _CONTINUATION_PLACEHOLDER if continuation else _PLACEHOLDER
        pieces.append(indent + placeholder.format(len(originals)))
        originals.append(line)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), originals


def unmask(text: str, originals: list[str]) -> str | None:
    """``text`` with the placeholders put back; None if a placeholder went missing."""
    restored: list[int] = []

    def put_back(match: re.Match) -> str:
        index = int(match.group(1))
        restored.append(index)
        return originals[index] if index < len(originals) else match.group(0)

    result = _PLACEHOLDER_LINE.sub(put_back, text) if originals else text
    if sorted(restored) != list(range(len(originals))):
        return None
    return result


# ---------------------------------------------------------------------- one logical module

_BOUNDARY = "# <legacy-variable cell {}>\n"
_BOUNDARY_LINE = re.compile(r"^# <legacy-variable cell (\d+)>\n", re.MULTILINE)


@dataclass
class LintedCell:
    cell: Cell
    #: The IPython lines masked in it, by placeholder number.
    originals: list[str]
    #: A line break was added to end the cell inside the module (cells rarely end in one).
    added_break: bool


@dataclass
class LogicalModule:
    text: str
    cells: list[LintedCell]


def logical_module(notebook: Notebook) -> LogicalModule:
    pieces: list[str] = []
    linted: list[LintedCell] = []
    for cell in notebook.code_cells():
        masked = mask(cell.text)
        if masked is None:
            continue
        body, originals = masked
        added = not body.endswith(("\n", "\r"))
        pieces.append(_BOUNDARY.format(cell.number))
        pieces.append(body + "\n" if added else body)
        linted.append(LintedCell(cell, originals, added))
    return LogicalModule("".join(pieces), linted)


def split_cells(module: LogicalModule, text: str) -> dict[int, str] | None:
    """Cell number -> new source, cut from the module's (fixed) ``text``; None if the
    boundaries or the masked lines did not survive the edits."""
    boundaries = list(_BOUNDARY_LINE.finditer(text))
    if [int(m.group(1)) for m in boundaries] != [c.cell.number for c in module.cells]:
        return None
    sources: dict[int, str] = {}
    for k, (boundary, linted) in enumerate(zip(boundaries, module.cells)):
        end = boundaries[k + 1].start() if k + 1 < len(boundaries) else len(text)
        body = text[boundary.end() : end]
        if k == 0:
            body = text[: boundary.start()] + body  # anything inserted above the first cell
        if linted.added_break and body.endswith("\n"):
            body = body[:-1]
        restored = unmask(body, linted.originals)
        if restored is None:
            return None
        sources[linted.cell.number] = restored
    return sources


_LINE_REFERENCE = re.compile(r"\b(at|on) line (\d+)\b")


class CellPositions:
    """Rows of a logical module's text -> (cell number, row in the cell)."""

    def __init__(self, text: str):
        starts = line_starts(text)
        #: Row of each boundary comment, and the cell that follows it.
        self.boundary_rows: list[int] = []
        self.cells: list[int] = []
        for match in _BOUNDARY_LINE.finditer(text):
            self.boundary_rows.append(bisect_right(starts, match.start()))
            self.cells.append(int(match.group(1)))

    def cell_row(self, row: int) -> tuple[int | None, int]:
        k = bisect_right(self.boundary_rows, row) - 1
        if k < 0:
            return (self.cells[0], 1) if self.cells else (None, row)
        in_cell = row - self.boundary_rows[k]
        if in_cell == 0:
            # A boundary row (a syntax error found at the end of the previous cell):
            # the last row of that cell.
            if k == 0:
                return self.cells[0], 1
            return self.cells[k - 1], max(row - self.boundary_rows[k - 1] - 1, 1)
        return self.cells[k], in_cell

    def diagnostic(self, diagnostic: Diagnostic) -> Diagnostic:
        cell, line = self.cell_row(diagnostic.line)
        end_line = end_column = None
        if diagnostic.end_line is not None:
            end_cell, end_line = self.cell_row(diagnostic.end_line)
            end_column = diagnostic.end_column
            if end_cell != cell:
                end_line = end_column = None
        noqa_row = None
        if diagnostic.noqa_row is not None:
            noqa_row = self.cell_row(diagnostic.noqa_row)[1]
        fix = diagnostic.fix
        if fix is not None:
            fix = replace(fix, edits=tuple(self._edit(e) for e in fix.edits))
        message, related = diagnostic.message, diagnostic.related
        if "line " in message:
            message = _LINE_REFERENCE.sub(lambda m: self._reference(m, cell), message)
        if related:
            site = re.compile(re.escape(diagnostic.path) + r":(\d+)")
            related = tuple((name, site.sub(lambda m: self._site(m, diagnostic.path), value)) for name, value in related)
        return replace(
            diagnostic,
            message=message,
            related=related,
            cell=cell,
            line=line,
            end_line=end_line,
            end_column=end_column,
            noqa_row=noqa_row,
            fix=fix,
        )

    # Checkers name other rows of the module in their messages ("made at line 9"):
    # rows of the logical module, which the user has never seen.
    def _reference(self, match: re.Match, cell: int | None) -> str:
        other, row = self.cell_row(int(match.group(2)))
        where = f"line {row}" if other == cell else f"line {row} of cell {other}"
        return f"{match.group(1)} {where}"

    def _site(self, match: re.Match, path: str) -> str:
        cell, row = self.cell_row(int(match.group(1)))
        return f"{path}:cell {cell}:{row}"

    def _edit(self, edit: Edit) -> Edit:
        return replace(edit, row=self.cell_row(edit.row)[1], end_row=self.cell_row(edit.end_row)[1])


# ---------------------------------------------------------------------- writing back


_JUPYTER_LINE = re.compile(r"[^\n]*\n|[^\n]+$")


def _split_lines(text: str) -> list[str]:
    """Lines as Jupyter stores them: each keeps its "\\n", the last one may lack it."""
    return _JUPYTER_LINE.findall(text)


def _encode(value: str, ensure_ascii: bool) -> str:
    return json.dumps(value, ensure_ascii=ensure_ascii)


def _new_source_value(notebook: Notebook, cell: Cell, new_text: str) -> str:
    text = notebook.text
    if cell.tokens is None:
        return _encode(new_text, notebook.ensure_ascii)
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
            tokens.extend(_encode(line, notebook.ensure_ascii) for line in new_lines[j1:j2])
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
    import difflib

    def lines(text: str) -> list[str]:
        found = _split_lines(text)
        if found and not found[-1].endswith("\n"):
            found[-1] += "\n"  # cells conventionally lack a final newline: not a change
        return found

    name = f"{display}:cell {number}"
    return "".join(difflib.unified_diff(lines(before), lines(after), fromfile=name, tofile=name))


# ---------------------------------------------------------------------- positions for output


def read(path: str) -> Notebook | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        return parse(_decode(data)[0])
    except (OSError, MalformedNotebook, UnicodeDecodeError):
        return None


def _decode(data: bytes) -> tuple[str, bool]:
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
                    encoded = _encode(value[: segment_start + wanted], notebook.ensure_ascii)
                    return _position(text, start + len(encoded) - 1)
            if len(content) < len(segment):
                current_row, current_column = current_row + 1, 0
            else:
                current_column += len(segment)
            segment_start += len(segment)
    return _position(text, cell.span[0])


_LINE_WITH_BREAK = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


# ---------------------------------------------------------------------- the engine's entry


def process_notebook(path: str, display: str, relative: str, options, data: bytes | None = None):
    """``engine.process_file`` for a .ipynb: the same report, positions in cells."""
    from .engine import FileReport, _digest, analyze
    from .fixer import fix_to_fixed_point, write_atomically

    report = FileReport(display, relative)
    codes = options.settings.codes_for(relative)
    try:
        if data is None:
            with open(path, "rb") as handle:
                data = handle.read()
        text, bom = _decode(data)
        notebook = parse(text)
    except (OSError, UnicodeDecodeError, MalformedNotebook) as exc:
        if isinstance(exc, MalformedNotebook):
            detail, line, column = exc.detail, exc.line, exc.column
        elif isinstance(exc, UnicodeDecodeError):
            detail, line, column = f"cannot decode as utf-8: {exc.reason}", 1, 1
        else:
            detail, line, column = exc.strerror or str(exc), 1, 1
        if "LV002" in codes:
            report.diagnostics = [Diagnostic("LV002", RULES["LV002"].format(detail=detail), display, line, column)]
        if not isinstance(exc, OSError):
            report.cache_digest = _digest(data)  # type: ignore[arg-type]
        return report
    module = logical_module(notebook)
    if not notebook.python or not module.cells:
        report.cache_digest = _digest(data)
        return report
    try:
        analysis = analyze(module.text, display, codes)
        if not options.fix or not any(options.applicable(d) for d in analysis.diagnostics):
            positions = CellPositions(module.text)
            report.diagnostics = [positions.diagnostic(d) for d in analysis.diagnostics]
            report.cache_digest = _digest(data)
            return report
        outcome = fix_to_fixed_point(
            module.text,
            lambda text: analyze(text, display, codes),
            options.applicable,
            first=analysis,
        )
    except Exception as exc:  # a checker bug must not stop the run, nor pass silently
        import traceback

        report.error = f"internal error while checking {display}: {type(exc).__name__}: {exc}"
        report.error += "\n" + "".join(traceback.format_exc())
        report.internal_error = True
        return report
    report.diagnostics = [CellPositions(module.text).diagnostic(d) for d in analysis.diagnostics]
    if not outcome.fixed:
        report.cache_digest = _digest(data)
        return report
    sources = split_cells(module, outcome.text)
    if sources is None:
        report.error = f"fix not written to {display}: it would have changed a cell boundary or an IPython line"
        return report
    try:
        new_text, changed = rewrite(notebook, sources)
    except MalformedNotebook as exc:
        report.error = f"fix not written to {display}: {exc.detail}"
        return report
    if options.diff:
        by_number = {cell.number: cell for cell in notebook.cells}
        report.diff = "".join(cell_diff(display, n, by_number[n].text, sources[n]) for n in changed)
    else:
        new_data = (b"\xef\xbb\xbf" if bom else b"") + new_text.encode("utf-8")
        try:
            write_atomically(path, new_data)
        except OSError as exc:
            report.error = f"failed to write fixes to {display}: {exc.strerror or exc}; file left unchanged"
            return report
        report.cache_digest = _digest(new_data)
    positions = CellPositions(outcome.text)
    report.diagnostics = [positions.diagnostic(d) for d in outcome.diagnostics]
    report.fixed = outcome.fixed
    return report
