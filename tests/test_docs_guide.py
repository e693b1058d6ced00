"""migration_guide.md carries the catalog's rule reference verbatim: the catalog is the single
source, and this test fails as soon as the guide is out of date. Regenerate with

    python -m legacy_variable.docs --write migration_guide.md
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from legacy_variable import docs
from legacy_variable.cli import main
from legacy_variable.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "migration_guide.md"
FIX_HINT = "run `python -m legacy_variable.docs --write migration_guide.md`"


def _generated_part(text: str) -> str:
    begin = text.index(docs.BEGIN_MARKER)
    end = text.index(docs.END_MARKER) + len(docs.END_MARKER) + 1
    return text[begin:end]


def test_guide_contains_exactly_the_rules_markdown_output(capsys):
    assert main(["rules", "--format", "markdown"]) == 0
    printed = capsys.readouterr().out
    assert printed == docs.catalog_markdown()
    guide = GUIDE.read_text(encoding="utf-8")
    assert _generated_part(guide) == printed, f"migration_guide.md is out of date: {FIX_HINT}"


def test_guide_has_one_generated_section():
    guide = GUIDE.read_text(encoding="utf-8")
    assert guide.count(docs.BEGIN_MARKER) == 1 and guide.count(docs.END_MARKER) == 1


def test_every_rule_has_a_section_that_its_url_points_to():
    guide = GUIDE.read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', guide))
    for rule in RULES.values():
        fragment = rule.guide_anchor.split("#", 1)[1]
        assert fragment in anchors, rule.code
        assert f"### {rule.code} {rule.name}\n" in guide


def test_narrative_links_point_at_existing_anchors_and_files():
    guide = GUIDE.read_text(encoding="utf-8")
    rule_anchors = set(re.findall(r'<a id="([^"]+)"></a>', guide))
    heading_anchors = {
        re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
        for h in re.findall(r"^#{2,3} (.+)$", guide, flags=re.M)
    }
    for target in re.findall(r"\]\(([^)]+)\)", guide):
        if target.startswith("#"):
            assert target[1:] in rule_anchors | heading_anchors, target
        elif not target.startswith("http"):
            assert (ROOT / target).exists(), target


def test_narrative_covers_the_issue_sections():
    guide = GUIDE.read_text(encoding="utf-8")
    for title in (
        "Variables and tensors are one class",
        "0-dim tensors and `.item()`",
        "`volatile` became `torch.no_grad()` and `torch.inference_mode()`",
        "`.data` versus `.detach()`",
        "dtype- and device-agnostic code",
        "The classic lesson, corrected",
        "A worked migration of a 0.3 training script",
    ):
        assert re.search(rf"^## \d+\. {re.escape(title)}$", guide, flags=re.M), title


def test_the_classic_lesson_shows_the_real_results():
    guide = GUIDE.read_text(encoding="utf-8")
    lesson = guide[guide.index("## 6. The classic lesson, corrected") :]
    lesson = lesson[: lesson.index("## 7.")]
    # the article's code, quoted as written
    for line in (
        "x_var = Variable(x, requires_grad=True)",
        "c_var = Variable(c, requires_grad=True)",
        "c_var.backward(torch.ones_like(c_var))",
        "print(a.grad)",
    ):
        assert line in lesson
    assert "```text\ntensor([1., 1., 1.])\nNone\nNone\n```" in lesson
    assert "a.grad: tensor([1., 1., 1.])" in lesson
    assert "with torch.no_grad():\n        theta -= lr * theta.grad\n    theta.grad.zero_()" in lesson


def test_write_regenerates_in_place_and_check_reports(tmp_path):
    stale = GUIDE.read_text(encoding="utf-8").replace(
        RULES["LV104"].why, "an outdated explanation"
    )
    copy = tmp_path / "migration_guide.md"
    copy.write_text(stale, encoding="utf-8")
    run = [sys.executable, "-m", "legacy_variable.docs"]
    checked = subprocess.run([*run, "--check", str(copy)], capture_output=True, text=True)
    assert checked.returncode == 1 and "out of date" in checked.stderr
    written = subprocess.run([*run, "--write", str(copy)], capture_output=True, text=True)
    assert written.returncode == 0 and "updated" in written.stdout
    assert copy.read_text(encoding="utf-8") == GUIDE.read_text(encoding="utf-8")
    assert subprocess.run([*run, "--check", str(copy)]).returncode == 0


def test_render_keeps_the_narrative_byte_identical():
    text = "# Guide\n\nprose\n\n" + docs.BEGIN_MARKER + "\nold\n" + docs.END_MARKER + "\n\ntail\n"
    rendered = docs.render_guide(text)
    assert rendered.startswith("# Guide\n\nprose\n\n")
    assert rendered.endswith("\n\ntail\n")
    assert docs.catalog_markdown() in rendered
    assert docs.render_guide(rendered) == rendered


def test_a_guide_without_markers_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="marker"):
        docs.render_guide("# no markers here\n")
