"""Printing a run's result in ruff's formats: full, concise, json, github, sarif.

Diagnostics arrive sorted; formats only render. The summary lines (``Found N errors.``)
follow ruff's wording so that users and scripts that know ruff read them without effort.
"""

from __future__ import annotations

import os
from typing import TextIO

from ..diagnostics import SAFE, UNSAFE, Diagnostic
from ..rules import RULES, Code, Rule
from .result import CheckResult


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _marker(result: CheckResult, diagnostic: Diagnostic) -> str:
    return "[*] " if result.applicable(diagnostic) else ""


# ---------------------------------------------------------------------------- text


def color_enabled(stream: TextIO) -> bool:
    """Colour for a terminal, as ruff and most CLIs decide it: ``FORCE_COLOR`` (any
    non-empty value) forces it, even into a pipe (CI logs render it); otherwise
    ``NO_COLOR`` (https://no-color.org) or a dumb terminal turns it off."""
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class _Paint:
    """ANSI styles, or nothing when colour is off, so writers stay one code path."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        return f"\x1b[{style}m{text}\x1b[0m" if self.enabled and text else text


BOLD_RED = "1;31"
BOLD = "1"
BLUE = "1;34"
CYAN = "36"


def _source_lines(path: str, cache: dict[str, list[str]]) -> list[str]:
    if path not in cache:
        from .source import LINE_BREAK, UnreadableSource, read_source

        try:
            cache[path] = LINE_BREAK.split(read_source(path).text)
        except UnreadableSource:
            cache[path] = []
    return cache[path]


def _location(d: Diagnostic) -> str:
    """``path:line:col``, or ruff's ``path:cell N:line:col`` for a notebook cell."""
    cell = f"cell {d.cell}:" if d.cell is not None else ""
    return f"{d.path}:{cell}{d.line}:{d.column}"


def _cell_lines(path: str, cell: int, cache: dict) -> list[str]:
    key = (path, cell)
    if key not in cache:
        from .notebook import read
        from .source import LINE_BREAK

        if ("notebook", path) not in cache:
            cache["notebook", path] = read(path)  # read once, whatever its cells
        notebook = cache["notebook", path]
        found = next((c for c in notebook.cells if c.number == cell), None) if notebook else None
        cache[key] = LINE_BREAK.split(found.text) if found is not None else []
    return cache[key]


class _NotebookPositions:
    """Where a cell position is in the notebook file itself, for formats that can only
    point into files (GitHub annotations, SARIF): (line, column) in the JSON text."""

    def __init__(self) -> None:
        self.notebooks: dict = {}

    def __call__(self, d: Diagnostic) -> tuple[int, int, int | None, int | None]:
        if d.cell is None:
            return d.line, d.column, d.end_line, d.end_column
        from .notebook import json_position, read

        if d.path not in self.notebooks:
            self.notebooks[d.path] = read(d.path)
        notebook = self.notebooks[d.path]
        start = json_position(notebook, d.cell, d.line, d.column) if notebook else None
        if start is None:
            return 1, 1, None, None
        end = None
        if d.end_line is not None and d.end_column is not None:
            end = json_position(notebook, d.cell, d.end_line, d.end_column)
        return (*start, *(end or (None, None)))


def _frame(diagnostic: Diagnostic, lines: list[str]) -> list[str]:
    row = diagnostic.line
    if not (1 <= row <= len(lines)) or diagnostic.code == Code.UNREADABLE_FILE:
        return []
    text = lines[row - 1]
    gutter = " " * len(str(row))
    start = max(diagnostic.column, 1)
    if diagnostic.end_line == row and diagnostic.end_column and diagnostic.end_column > start:
        end = diagnostic.end_column
    elif diagnostic.end_line and diagnostic.end_line > row:
        end = max(len(text) + 1, start + 1)
    else:
        end = start + 1
    # Tabs stay tabs under the caret so that it lines up however wide they render.
    before = text[: start - 1]
    pad = "".join("\t" if c == "\t" else " " for c in before) if "\t" in before else " " * len(before)
    return [
        f"{gutter} |",
        f"{row} | {text}",
        f"{gutter} | {pad}{'^' * (end - start)}",
        f"{gutter} |",
    ]


def write_full(
    result: CheckResult, out: TextIO, color: bool = False, texts: dict[str, list[str]] | None = None
) -> None:
    """``texts``: the lines of sources that are not files (stdin), by display path."""
    # Lines are gathered and written at once: a write per line is a system call per line
    # when stdout is unbuffered (PYTHONUNBUFFERED, some CI runners), ten per diagnostic.
    sources: dict = dict(texts or {})
    paint = _Paint(color)
    text: list[str] = []
    add = text.append
    for diagnostic in result.diagnostics:
        add(f"{paint(diagnostic.code, BOLD_RED)} {_marker(result, diagnostic)}{paint(diagnostic.message, BOLD)}\n")
        add(f" {paint('-->', BLUE)} {_location(diagnostic)}\n")
        if diagnostic.cell is not None:
            lines = _cell_lines(diagnostic.path, diagnostic.cell, sources)
        else:
            lines = _source_lines(diagnostic.path, sources)
        for line in _frame(diagnostic, lines):
            if color:
                gutter, bar, rest = line.partition("|")
                line = paint(gutter + bar, BLUE) + (paint(rest, BOLD_RED) if rest.strip(" \t^") == "" and "^" in rest else rest)
            add(line + "\n")
        for name, value in diagnostic.related:
            add(f"note: {name.replace('_', ' ')}: {value}\n")
        if diagnostic.fix is not None and diagnostic.fix.message:
            add(f"{paint('help', CYAN)}: {diagnostic.fix.message}\n")
        add("\n")
    out.write("".join(text))


def write_concise(result: CheckResult, out: TextIO, color: bool = False) -> None:
    paint = _Paint(color)
    out.write(
        "".join(
            f"{paint(_location(d), BOLD)}: {paint(d.code, BOLD_RED)} {_marker(result, d)}{d.message}\n"
            for d in result.diagnostics
        )
    )


def write_summary(result: CheckResult, out: TextIO) -> None:
    remaining = result.diagnostics
    fixed = result.fixed
    if not remaining and not fixed:
        out.write("All checks passed!\n")
        return
    total = len(remaining) + fixed
    if fixed:
        out.write(f"Found {_plural(total, 'error')} ({fixed} fixed, {len(remaining)} remaining).\n")
    else:
        out.write(f"Found {_plural(total, 'error')}.\n")
    fixable = sum(1 for d in remaining if result.applicable(d))
    hidden = sum(
        1
        for d in remaining
        if d.fix is not None and d.fix.applicability == UNSAFE and not result.applicable(d)
    )
    hint = ""
    if hidden:
        fixes = "fix" if hidden == 1 else "fixes"
        hint = f" ({hidden} hidden {fixes} can be enabled with the `--unsafe-fixes` option)"
    if fixable:
        out.write(f"[*] {fixable} fixable with the `--fix` option{hint}.\n")
    elif hidden:
        out.write(f"No fixes available{hint}.\n")


def write_fixes(result: CheckResult, out: TextIO) -> None:
    """``--show-fixes``: what --fix changed, per file and rule."""
    if not result.fixed:
        return
    out.write(f"Fixed {_plural(result.fixed, 'error')}:\n")
    for report in result.files:
        if not report.fixed:
            continue
        out.write(f"- {report.path}:\n")
        for code, count in sorted(report.fixed.items()):
            name = RULES[code].name if code in RULES else code.lower()
            out.write(f"    {count} × {code} ({name})\n")
    out.write("\n")


def write_statistics(result: CheckResult, out: TextIO, as_json: bool = False) -> None:
    counts: dict[str, list[Diagnostic]] = {}
    for d in result.diagnostics:
        counts.setdefault(d.code, []).append(d)
    rows = sorted(counts.items(), key=lambda item: (-len(item[1]), item[0]))
    if as_json:
        import json

        data = [
            {
                "code": code,
                "name": RULES[code].name if code in RULES else code.lower(),
                "count": len(found),
                "fixable": any(result.applicable(d) for d in found),
            }
            for code, found in rows
        ]
        out.write(json.dumps(data, indent=2) + "\n")
        return
    if not rows:
        return
    count_width = max(len(str(len(found))) for _, found in rows)
    code_width = max(len(code) for code, _ in rows)
    for code, found in rows:
        if any(result.applicable(d) for d in found):
            marker = "[*]"
        elif any(d.fix is not None and d.fix.applicability in (SAFE, UNSAFE) for d in found):
            marker = "[-]"
        else:
            marker = "[ ]"
        name = RULES[code].name if code in RULES else code.lower()
        out.write(f"{len(found):>{count_width}}\t{code:<{code_width}}\t{marker} {name}\n")


# ---------------------------------------------------------------------------- machine


def write_json(result: CheckResult, out: TextIO) -> None:
    import json

    out.write(json.dumps([d.to_json() for d in result.diagnostics], indent=2, ensure_ascii=False))
    out.write("\n")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def level(rule: Rule | None) -> str:
    """What breaks on modern PyTorch (an exception, a file that does not import) is an
    error; what runs with a changed meaning is a warning."""
    if rule is None or rule.stock_outcome == "raises" or rule.code.startswith("LV0"):
        return "error"
    return "warning"


def write_github(result: CheckResult, out: TextIO) -> None:
    """GitHub Actions workflow commands: annotations on the pull request's diff."""
    in_file = _NotebookPositions()
    for d in result.diagnostics:
        line, column, end_line, end_column = in_file(d)
        properties = [
            f"title={_escape_property(f'legacy-variable ({d.code})')}",
            f"file={_escape_property(d.path)}",
            f"line={line}",
            f"col={column}",
        ]
        if end_line is not None:
            properties.append(f"endLine={end_line}")
        if end_column is not None:
            properties.append(f"endColumn={end_column}")
        message = f"{_location(d)}: {d.code} {d.message}"
        out.write(f"::{level(d.rule)} {','.join(properties)}::{_escape_data(message)}\n")


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _published(url: str | None) -> bool:
    return bool(url) and url.startswith(("https://", "http://"))


def _artifact_location(path: str) -> dict:
    """A file's SARIF artifactLocation. URIs are percent-encoded (RFC 3986: a space, a
    ``%``, a ``,`` or a non-ASCII name is not a valid ``uri-reference`` as it stands).
    Inside the project: relative to ``%SRCROOT%``, so that code scanning maps it onto the
    checkout; outside it: an absolute ``file:`` URI, which no base can prefix."""
    from pathlib import PurePath
    from urllib.parse import quote

    if os.path.isabs(path):
        return {"uri": PurePath(os.path.normpath(path)).as_uri()}
    # `quote` leaves only unreserved characters and "/" as they are; surrogates (names
    # that are not valid UTF-8) are encoded as the bytes the file system holds.
    raw = path.replace(os.sep, "/").encode("utf-8", "surrogateescape")
    return {"uri": quote(raw, safe="/"), "uriBaseId": "%SRCROOT%"}


def sarif_document(result: CheckResult) -> dict:
    from .. import __version__
    from ..rules import DOCS_URL

    rules = [rule for rule in RULES.values() if rule.static]
    index = {rule.code: i for i, rule in enumerate(rules)}
    descriptors = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            # GitHub truncates longer texts; the full page is in help.
            "fullDescription": {"text": rule.what[:1000]},
            "help": {"text": rule.explain(), "markdown": rule.explain()},
            "defaultConfiguration": {"level": level(rule)},
            "properties": {"tags": ["pytorch", "migration"], "precision": "high"},
            # Only a published page is a help URI; `help` carries the whole text anyway.
            **({"helpUri": rule.url} if _published(rule.url) else {}),
        }
        for rule in rules
    ]
    results = []
    in_file = _NotebookPositions()
    for report in result.files:
        location = _artifact_location(report.relative_path)
        for d in report.diagnostics:
            line, column, end_line, end_column = in_file(d)
            region = {"startLine": line, "startColumn": max(column, 1)}
            if end_line is not None:
                region["endLine"] = end_line
            if end_column is not None:
                region["endColumn"] = max(end_column, 1)
            entry = {
                "ruleId": d.code,
                "level": level(d.rule),
                "message": {"text": d.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": location,
                            "region": region,
                        }
                    }
                ],
            }
            if d.code in index:
                entry["ruleIndex"] = index[d.code]
            if d.cell is not None:
                # The region points into the notebook's JSON; this is where it is in the cell.
                entry["properties"] = {"cell": d.cell, "cellLine": d.line, "cellColumn": d.column}
            results.append(entry)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "legacy-variable",
                        "version": __version__,
                        "semanticVersion": __version__,
                        **({"informationUri": DOCS_URL} if _published(DOCS_URL) else {}),
                        "rules": descriptors,
                    }
                },
                # Columns count characters, as everywhere in this tool (SARIF's default
                # would be UTF-16 code units).
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def write_sarif(result: CheckResult, out: TextIO) -> None:
    import json

    out.write(json.dumps(sarif_document(result), indent=2, ensure_ascii=False))
    out.write("\n")


WRITERS = {
    "full": write_full,
    "concise": write_concise,
    "json": write_json,
    "github": write_github,
    "sarif": write_sarif,
}
TEXT_FORMATS = ("full", "concise")
