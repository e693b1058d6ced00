"""``check --add-noqa``: silence every current finding in place, as ruff's ``--add-noqa``.

A project adopting the linter on a large legacy tree records today's findings as
``# noqa: LV1xx`` comments and gates only new code. Codes merge into an existing
``# noqa: ...`` comment; a bare ``# noqa`` already covers everything. A finding whose line
ends inside a multi-line string is left as it is (a comment there would be string text, and
``# noqa`` applies only to the row it is on): it is counted as skipped. Notebook cells are
left alone, and so are LV001/LV002 (a file that cannot be parsed or read cannot be
silenced, as in ruff).
"""

from __future__ import annotations

import io
import os
import re
import sys
import tokenize

from .noqa import UNSUPPRESSIBLE
from .source import line_starts

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
            if count:
                with open(path, "wb") as handle:
                    handle.write(new_text.encode(encoding))
        except (OSError, SyntaxError, UnicodeError) as exc:
            print(f"legacy-variable: error: {display}: cannot add noqa: {exc}", file=sys.stderr)
            return 2
        added += count
        skipped += passed
    print(f"Added {added} noqa directive{'' if added == 1 else 's'}.", file=sys.stderr)
    if skipped:
        lines = "1 line was" if skipped == 1 else f"{skipped} lines were"
        print(f"warning: {lines} left without one (inside a multi-line string)", file=sys.stderr)
    return 0


def _comment_rows(text: str) -> set[int]:
    """The rows that end inside a multi-line string: no comment can go there."""
    inside: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
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
    inside = _comment_rows(text)
    count = skipped = 0
    for row, codes in sorted(rows.items()):
        if not 1 <= row <= len(lines) or row in inside:
            skipped += 1
            continue
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
