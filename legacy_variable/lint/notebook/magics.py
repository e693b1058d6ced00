"""IPython syntax in a cell, masked so that the rest can be analysed as Python.

``%magic``, ``!shell``, ``?obj``, ``obj?``, ``x = !cmd`` and automagics such as
``pip install x`` are not Python: such lines are replaced by a numbered ``pass``
placeholder for the analysis and restored verbatim before anything is written, so they
are never reported and never altered. A cell opened by a cell magic runs its body as
something else (``%%bash``, ``%%html``) and is left out, except the magics whose body is
Python in the notebook's namespace (``%%time``, ``%%timeit``, ``%%capture``...): there only
the magic line is masked, as ruff does.
"""

from __future__ import annotations

import re

from ..source import LINE_BREAK


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
