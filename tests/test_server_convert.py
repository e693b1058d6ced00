"""The server's conversions, in process: findings to LSP JSON, the noqa edit."""

from __future__ import annotations

import pytest

pytest.importorskip("lsprotocol")

from lsprotocol import types as lsp  # noqa: E402

from legacy_variable import rules  # noqa: E402
from legacy_variable.diagnostics import Diagnostic  # noqa: E402
from legacy_variable.server import convert  # noqa: E402
from legacy_variable.server.positions import Lines  # noqa: E402


def test_code_description_is_the_rule_pages_uri(tmp_path, monkeypatch):
    from legacy_variable.server.rule_pages import RulePages

    text = "print(loss.data[0])\n"
    found = Diagnostic.of(rules.Code.SCALAR_DATA_INDEX, "t.py", 1, 7, end_line=1, end_column=19)
    pages = RulePages(tmp_path)
    page = tmp_path / f"rules-{rules_version()}" / "LV104.md"
    # by default: the page generated from the catalog, as a file URI
    published = convert.to_lsp(found, Lines(text), "utf-16", pages.href)
    assert published["codeDescription"] == {"href": page.as_uri()}
    assert page.read_text().startswith("# scalar-data-index (LV104)\n")
    # a team's docs-url template
    published = convert.to_lsp(found, Lines(text), "utf-16", lambda code: pages.href(code, "https://docs.example/r/{code}.html"))
    assert published["codeDescription"] == {"href": "https://docs.example/r/LV104.html"}
    # the project's own pages, once it publishes them (Rule.url)
    monkeypatch.setattr(rules, "DOCS_URL", "https://example.org/guide")
    assert pages.href("LV104") == "https://example.org/guide#lv104-scalar-data-index"
    assert "[Full explanation](https://x/LV104) · " in convert.hover_text("LV104", "m", "https://x/LV104")
    # no link to give: none sent (the hover still explains)
    assert "codeDescription" not in convert.to_lsp(found, Lines(text), "utf-16")
    assert "Full explanation" not in convert.hover_text("LV104", "m")


def test_rule_pages_are_rewritten_when_their_text_changed_and_left_alone_otherwise(tmp_path):
    from legacy_variable.server.rule_pages import RulePages, page_text

    RulePages(tmp_path)
    page = tmp_path / f"rules-{rules_version()}" / "LV101.md"
    assert page.read_text() == page_text("LV101")
    page.write_text("stale text of an older build")
    stamp = (tmp_path / f"rules-{rules_version()}" / "LV102.md").stat().st_mtime_ns
    RulePages(tmp_path)
    assert page.read_text() == page_text("LV101")
    assert (tmp_path / f"rules-{rules_version()}" / "LV102.md").stat().st_mtime_ns == stamp
    assert sorted(p.name for p in page.parent.iterdir()) == sorted(f"{code}.md" for code in rules.RULES)


def test_rule_pages_fall_back_when_the_cache_cannot_be_written(tmp_path):
    from legacy_variable.server.rule_pages import RulePages

    blocked = tmp_path / "file"
    blocked.write_text("")  # a file where the directory should go
    assert RulePages(blocked).href("LV104") is None


def rules_version() -> str:
    from legacy_variable import __version__

    return __version__


def test_a_point_diagnostic_underlines_the_rest_of_its_line():
    found = Diagnostic.of(rules.Code.SYNTAX_ERROR, "t.py", 2, 7, {"detail": "invalid syntax"})
    published = convert.to_lsp(found, Lines("import torch\nprint 'loss', loss\n"), "utf-16")
    assert published["range"] == {"start": {"line": 1, "character": 6}, "end": {"line": 1, "character": 18}}
    assert published["severity"] == 1  # LV0xx: the file could not be checked fully


def _noqa(text: str, row: int, code: str = "LV101", on: int | None = None) -> str | None:
    """The new text of the row the action edits: the finding's ``row``, or ``on``."""
    diagnostic = lsp.Diagnostic(
        range=lsp.Range(lsp.Position(row - 1, 0), lsp.Position(row - 1, 1)),
        message="m", code=code, source=convert.SOURCE, data={"noqa_row": row},
    )
    action = convert.noqa_action("file:///t.py", diagnostic, text, "utf-16")
    if action is None:
        return None
    (edit,) = action.edit.changes["file:///t.py"]
    lines = text.split("\n")
    edited = on or row
    assert (edit.range.start.line, edit.range.start.character) == (edited - 1, 0)
    assert (edit.range.end.line, edit.range.end.character) == (edited - 1, len(lines[edited - 1]))
    return edit.new_text


def test_noqa_edit_adds_merges_or_stays_away():
    assert _noqa("x = Variable(t)\n", 1) == "x = Variable(t)  # noqa: LV101"
    assert _noqa("x = Variable(t)  # noqa: E501\n", 1) == "x = Variable(t)  # noqa: E501, LV101"
    assert _noqa("x = Variable(t)  # noqa\n", 1) is None  # already silenced
    assert _noqa("x = Variable(t)  # noqa: LV1\n", 1) is None  # a prefix covers it
    # Rows Python joins share the comment at the end of the last (as in flake8, ruff):
    # after a backslash it would end the parse, inside a string it would be text.
    assert _noqa("y = Variable(t) + \\\n    t\n", 1, on=2) == "    t  # noqa: LV101"
    assert _noqa('f(Variable(t), """\ntext\n""")\n', 1, on=3) == '""")  # noqa: LV101'
