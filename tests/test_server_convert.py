"""The server's conversions, in process: findings to LSP JSON, the noqa edit."""

from __future__ import annotations

import pytest

pytest.importorskip("lsprotocol")

from lsprotocol import types as lsp  # noqa: E402

from legacy_variable import rules  # noqa: E402
from legacy_variable.diagnostics import Diagnostic  # noqa: E402
from legacy_variable.server import convert  # noqa: E402
from legacy_variable.server.positions import Lines  # noqa: E402


def test_code_description_links_the_rule_page_when_the_project_publishes_one(monkeypatch):
    text = "print(loss.data[0])\n"
    found = Diagnostic.of(rules.Code.SCALAR_DATA_INDEX, "t.py", 1, 7, end_line=1, end_column=19)
    monkeypatch.setattr(rules, "DOCS_URL", "https://example.org/guide")
    published = convert.to_lsp(found, Lines(text), "utf-16")
    assert published["codeDescription"] == {"href": "https://example.org/guide#lv104-scalar-data-index"}
    assert "[Full explanation](https://example.org/guide#lv104-scalar-data-index)" in convert.hover_text("LV104", "m")
    monkeypatch.setattr(rules, "DOCS_URL", None)
    assert "codeDescription" not in convert.to_lsp(found, Lines(text), "utf-16")


def test_a_point_diagnostic_underlines_the_rest_of_its_line():
    found = Diagnostic.of(rules.Code.SYNTAX_ERROR, "t.py", 2, 7, {"detail": "invalid syntax"})
    published = convert.to_lsp(found, Lines("import torch\nprint 'loss', loss\n"), "utf-16")
    assert published["range"] == {"start": {"line": 1, "character": 6}, "end": {"line": 1, "character": 18}}
    assert published["severity"] == 1  # LV0xx: the file could not be checked fully


def _noqa(text: str, row: int, code: str = "LV101") -> str | None:
    diagnostic = lsp.Diagnostic(
        range=lsp.Range(lsp.Position(row - 1, 0), lsp.Position(row - 1, 1)),
        message="m", code=code, source=convert.SOURCE, data={"noqa_row": row},
    )
    action = convert.noqa_action("file:///t.py", diagnostic, text, "utf-16")
    if action is None:
        return None
    (edit,) = action.edit.changes["file:///t.py"]
    lines = text.split("\n")
    assert (edit.range.start.line, edit.range.start.character) == (row - 1, 0)
    assert (edit.range.end.line, edit.range.end.character) == (row - 1, len(lines[row - 1]))
    return edit.new_text


def test_noqa_edit_adds_merges_or_stays_away():
    assert _noqa("x = Variable(t)\n", 1) == "x = Variable(t)  # noqa: LV101"
    assert _noqa("x = Variable(t)  # noqa: E501\n", 1) == "x = Variable(t)  # noqa: E501, LV101"
    assert _noqa("x = Variable(t)  # noqa\n", 1) is None  # already silenced
    assert _noqa("x = Variable(t)  # noqa: LV1\n", 1) is None  # a prefix covers it
    assert _noqa('s = """\nVariable(t)\n"""\n', 2) is None  # inside a string a comment is text
