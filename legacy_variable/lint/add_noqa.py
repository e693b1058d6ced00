"""``check --add-noqa``: silence every current finding in place, as ruff's ``--add-noqa``.

A project adopting the linter on a large legacy tree records today's findings as
``# noqa: LV1xx`` comments and gates only new code. Codes merge into an existing
``# noqa: ...`` comment; a bare ``# noqa`` already covers everything. A finding on rows
that Python joins into one line (a backslash continuation, a string over several rows)
gets its comment at the end of the last of them, the one place a comment can go, which
covers them all (noqa.py; flake8 and ruff do the same). Where the rows cannot be worked
out (the text does not tokenize), a finding on a row that ends inside a string or with a
backslash is left as it is and counted as skipped. A file is written only if it still
parses whenever it parsed before, and atomically. Notebook cells are left alone, and so
are LV001/LV002 (a file that cannot be parsed or read cannot be silenced, as in ruff).
"""

from __future__ import annotations

import io
import os
import re
import sys
import tokenize

from .fixer import write_atomically
from .noqa import UNSUPPRESSIBLE
from .source import joined_rows, line_starts

_INLINE = re.compile(r"#\s*noqa(?P<colon>\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)


def add_noqa(paths: list[str], settings, cwd: str, respect_gitignore: bool = True) -> int:
    from .api import check

    result = check(paths, settings=settings, cwd=cwd, respect_gitignore=respect_gitignore)
    wanted: dict[str, dict[int, set[str]]] = {}
    for d in result.diagnostics:
        if d.cell is not None or d.code in UNSUPPRESSIBLE:
            continue
        wanted.setdefault(d.path, {}).setdefault(d.line, set()).add(str(d.code))
    added = skipped = 0
    for display, rows in sorted(wanted.items()):
        path = os.path.join(cwd, display)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            text = data.decode(encoding)
            new_text, count, passed = add_to_text(text, rows)
            if count and _parses(text) and not _parses(new_text):
                # Never: the comments go where comments can. If ever, the file is kept.
                print(f"legacy-variable: error: {display}: cannot add noqa: the result would not parse",
                      file=sys.stderr)
                return 2
            if count:
                write_atomically(path, new_text.encode(encoding))
        except (OSError, SyntaxError, UnicodeError) as exc:
            print(f"legacy-variable: error: {display}: cannot add noqa: {exc}", file=sys.stderr)
            return 2
        added += count
        skipped += passed
    print(f"Added {added} noqa directive{'' if added == 1 else 's'}.", file=sys.stderr)
    if skipped:
        lines = "1 line was" if skipped == 1 else f"{skipped} lines were"
        print(f"warning: {lines} left without one (ending inside a string or with a backslash, "
              "in a file that does not tokenize)", file=sys.stderr)
    return 0


def _parses(text: str) -> bool:
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 2017 regexes: invalid escape sequences
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _comment_rows(text: str) -> set[int]:
    """The rows that end inside a multi-line string: no comment can go there."""
    inside: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text, newline=None).readline):
            if token.type == tokenize.STRING or token.type == getattr(tokenize, "FSTRING_END", -1):
                start, end = token.start[0], token.end[0]
                inside.update(range(start, end))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return inside


def add_to_text(text: str, rows: dict[int, set[str]]) -> tuple[str, int, int]:
    """``text`` with the codes of ``rows`` (1-based) in a ``# noqa`` comment on each row;
    the number of comments added or extended, and of rows skipped."""
    # Rows as the tokenizer counts them (the diagnostics' rows): ``str.splitlines`` also
    # breaks at form feeds and other separators, which put a comment rows too early,
    # inside a string literal, where it changed the program.
    starts = line_starts(text)
    lines = [text[start:end] for start, end in zip(starts, [*starts[1:], len(text)])]
    if lines and not lines[-1]:
        lines.pop()  # after a final line break: no row there
    joined = joined_rows(text)
    inside = _comment_rows(text) if joined is None else set()
    at: dict[int, set[str]] = {}  # the row each comment goes on -> its codes
    skipped = 0
    for row, codes in rows.items():
        if joined is not None:
            row = joined.get(row, (row, row))[1]
        elif 1 <= row <= len(lines) and (row in inside or lines[row - 1].rstrip("\r\n").endswith("\\")):
            skipped += 1  # the rows could not be worked out: no place known to be safe
            continue
        if not 1 <= row <= len(lines):
            skipped += 1
            continue
        at.setdefault(row, set()).update(codes)
    count = 0
    for row, codes in sorted(at.items()):
        line = lines[row - 1]
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        match = _INLINE.search(body)
        if match and match.group("codes") is None:
            continue  # a bare `# noqa` silences every code already
        if match:
            present = [c.upper() for c in re.findall(r"[A-Z]+[0-9]+", match.group("codes"), re.IGNORECASE)]
            missing = sorted(c for c in codes if not any(c.startswith(p) for p in present))
            if not missing:
                continue
            merged = ", ".join(present + missing)
            body = body[: match.start()] + f"# noqa: {merged}" + body[match.end():]
        else:
            body = body.rstrip() + "  # noqa: " + ", ".join(sorted(codes))
        lines[row - 1] = body + ending
        count += 1
    return "".join(lines), count, skipped
