"""The linter's findings in LSP terms: diagnostics, quick fixes, noqa edits, hovers.

A published diagnostic carries its fix in ``data`` (as ruff's server does), so a code
action request is answered from what the client sends back, without linting again.
"""

from __future__ import annotations

from lsprotocol import types as lsp

from ..diagnostics import SAFE, Diagnostic
from ..rules import RULES
from .positions import Lines, to_client, units

SOURCE = "legacy-variable"
FIX_ALL = "source.fixAll.legacy-variable"


def lsp_range(lines: Lines, row: int, column: int, end_row: int, end_column: int, encoding: str) -> lsp.Range:
    start = to_client(lines, row, column, encoding)
    end = to_client(lines, end_row, end_column, encoding)
    return lsp.Range(lsp.Position(*start), lsp.Position(*end))


def _range_json(lines: Lines, row: int, column: int, end_row: int, end_column: int, encoding: str) -> dict:
    start = to_client(lines, row, column, encoding)
    end = to_client(lines, end_row, end_column, encoding)
    return {"start": {"line": start[0], "character": start[1]}, "end": {"line": end[0], "character": end[1]}}


def to_lsp(diagnostic: Diagnostic, lines: Lines, encoding: str, href=None) -> dict:
    """``diagnostic`` (rows in ``lines``) as the client shows it: the LSP Diagnostic as
    JSON, built directly (a file with hundreds of findings is published on every change,
    and generic structuring would triple the cost of that). ``href(code)``: the URI of
    the rule's explanation (``rule_pages``), or None."""
    column = max(diagnostic.column, 1)
    end_row = diagnostic.end_line if diagnostic.end_line is not None else diagnostic.line
    end_column = diagnostic.end_column if diagnostic.end_column is not None else column
    if (end_row, end_column) <= (diagnostic.line, column):
        # A point: the client would draw nothing; underline the rest of the line instead.
        end_row, end_column = diagnostic.line, len(lines.line(diagnostic.line - 1)) + 1
    rule = RULES.get(diagnostic.code)
    data: dict = {"noqa_row": diagnostic.noqa_row or diagnostic.line}
    if diagnostic.fix is not None and diagnostic.fix.edits:
        fix = diagnostic.fix
        data["fix"] = {
            "applicability": fix.applicability,
            "message": fix.message,
            "edits": [
                {"range": _range_json(lines, e.row, e.column, e.end_row, e.end_column, encoding), "newText": e.content}
                for e in fix.edits
            ],
        }
    result = {
        "range": _range_json(lines, diagnostic.line, column, end_row, end_column, encoding),
        "message": diagnostic.message,
        "severity": int(lsp.DiagnosticSeverity.Error if diagnostic.code.startswith("LV0") else lsp.DiagnosticSeverity.Warning),
        "code": diagnostic.code,
        "source": SOURCE,
        "data": data,
    }
    link = href(diagnostic.code) if href is not None and rule is not None else None
    if link:
        result["codeDescription"] = {"href": link}
    return result


def contains(diagnostic: dict, line: int, character: int) -> bool:
    """Whether an LSP position is on a published diagnostic's range (ends included: the
    cursor right after a flagged name still hovers it)."""
    start, end = diagnostic["range"]["start"], diagnostic["range"]["end"]
    return (start["line"], start["character"]) <= (line, character) <= (end["line"], end["character"])


def _range_from_json(value: dict) -> lsp.Range:
    start, end = value["start"], value["end"]
    return lsp.Range(lsp.Position(int(start["line"]), int(start["character"])),
                     lsp.Position(int(end["line"]), int(end["character"])))


def ours(diagnostic: lsp.Diagnostic) -> bool:
    return diagnostic.source == SOURCE and isinstance(diagnostic.code, str) and diagnostic.code in RULES


def quick_fix(uri: str, diagnostic: lsp.Diagnostic) -> lsp.CodeAction | None:
    """The diagnostic's own fix; unsafe ones say so in their title and are never preferred."""
    data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
    fix = data.get("fix")
    if not isinstance(fix, dict):
        return None
    try:
        edits = [lsp.TextEdit(_range_from_json(e["range"]), str(e["newText"])) for e in fix["edits"]]
    except (KeyError, TypeError, ValueError):
        return None  # not data this server wrote: no action rather than a wrong one
    safe = fix.get("applicability") == SAFE
    title = f"{SOURCE} ({diagnostic.code}): {fix.get('message') or 'apply fix'}"
    if not safe:
        title += " (unsafe fix: may change behaviour)"
    return lsp.CodeAction(
        title=title,
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=lsp.WorkspaceEdit(changes={uri: edits}),
        is_preferred=safe,
    )


def noqa_action(uri: str, diagnostic: lsp.Diagnostic, text: str, encoding: str) -> lsp.CodeAction | None:
    """``# noqa: LVxxx`` for the row the suppression is read from, written as ``check
    --add-noqa`` writes it: merged into an existing comment, and, for rows Python joins
    (a backslash continuation, a string over several rows), at the end of the last of
    them; none where a bare ``# noqa`` already covers the line."""
    from ..lint.add_noqa import add_to_text

    lines = Lines(text)
    data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
    row = data.get("noqa_row")
    if not isinstance(row, int) or not 1 <= row <= len(lines):
        row = diagnostic.range.start.line + 1
    code = str(diagnostic.code)
    new_text, added, _ = add_to_text(text, {row: {code}})
    if not added:
        return None
    new_lines = Lines(new_text)
    # The comment's row: the finding's, or the last of the rows joined with it.
    row = next(r for r in range(row, len(lines) + 1) if lines.line(r - 1) != new_lines.line(r - 1))
    old_line = lines.line(row - 1)
    new_line = new_lines.line(row - 1)
    edit_range = lsp_range(lines, row, 1, row, len(old_line) + 1, encoding)
    return lsp.CodeAction(
        title=f"{SOURCE} ({code}): disable for this line",
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=lsp.WorkspaceEdit(changes={uri: [lsp.TextEdit(edit_range, new_line)]}),
    )


def whole_document(lines: Lines, encoding: str) -> lsp.Range:
    last = len(lines) - 1
    end = lsp.Position(last, units(lines.line(last), encoding))
    return lsp.Range(lsp.Position(0, 0), end)


def hover_text(code: str, message: str, href: str | None = None) -> str:
    """The rule's page, shortened to what helps at the cursor: what, why, use instead;
    ``href``: the whole page (the diagnostic's ``codeDescription``)."""
    rule = RULES[code]
    return (
        f"**{rule.code} {rule.name}**: {message}\n\n"
        f"**What it does.** {rule.what}\n\n"
        f"**Why it breaks.** {rule.why}\n\n"
        f"**Use instead:**\n```python\n{rule.use_instead.rstrip()}\n```\n\n"
        f"Fix: {rule.fix}. "
        + (f"[Full explanation]({href}) · " if href else "")
        + f"`legacy-variable explain {rule.code}`"
    )
