"""The catalog: complete, well-formed, and the single source for explain/rules."""

from __future__ import annotations

import json
import re

import pytest

from legacy_variable import rules
from legacy_variable.cli import main
from legacy_variable.diagnostics import Diagnostic, Edit, Fix

REQUIRED = [f"LV1{n:02d}" for n in range(1, 19)] + [f"LV2{n:02d}" for n in range(1, 10)]


def test_catalog_has_every_required_code_with_its_name():
    names = {
        "LV101": "variable-wrapper", "LV102": "variable-import", "LV103": "volatile-flag",
        "LV104": "scalar-data-index", "LV105": "async-keyword", "LV106": "retain-variables",
        "LV107": "legacy-tensor-constructor", "LV108": "legacy-type-cast",
        "LV109": "grad-data-zero", "LV110": "variable-type-check", "LV111": "volatile-attribute",
        "LV112": "legacy-autograd-function", "LV113": "loss-reduction-kwargs",
        "LV114": "implicit-softmax-dim", "LV115": "deprecated-functional",
        "LV116": "non-inplace-init", "LV117": "clip-grad-norm", "LV118": "torch-range",
        "LV201": "rewrap-computed-tensor", "LV202": "detaching-wrap", "LV203": "grad-always-none",
        "LV204": "nonscalar-backward", "LV205": "data-mutation", "LV206": "require-grad-typo",
        "LV207": "numpy-requires-grad", "LV208": "integer-requires-grad",
        "LV209": "volatile-and-requires-grad",
    }
    for code in REQUIRED:
        assert rules.RULES[code].name == names[code]


@pytest.mark.parametrize("rule", list(rules.RULES.values()), ids=lambda r: r.code)
def test_rule_record_is_well_formed(rule):
    assert re.fullmatch(r"LV\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert rule.faces and rule.faces <= {rules.STATIC, rules.RUNTIME}
    assert rule.fix in {rules.FIX_SAFE, rules.FIX_UNSAFE, rules.FIX_SOMETIMES, rules.FIX_NONE}
    for text in (rule.what, rule.why, rule.example, rule.use_instead, rule.fix_safety):
        assert text.strip()
    # The template renders with defaults: no dangling placeholders.
    assert "{" not in rule.summary, rule.summary
    assert "\n" not in rule.summary


def test_codes_and_names_are_unique():
    assert len({r.name for r in rules.RULES.values()}) == len(rules.RULES)


def test_format_fills_values_and_keeps_defaults():
    rule = rules.RULES["LV201"]
    assert rule.format(target="c", inputs="`a`, `b`") == (
        "`Variable(c, requires_grad=True)` starts a new graph: gradients will not reach `a`, `b`"
    )
    assert "the tensors it was computed from" in rule.format(target="c")


def test_expand_selectors_like_ruff():
    assert rules.expand(["LV1"]) == {c for c in rules.RULES if c.startswith("LV1")}
    assert rules.expand(["LV201", "variable-import"]) == {"LV201", "LV102"}
    assert rules.expand(["ALL"]) == set(rules.RULES)
    with pytest.raises(ValueError, match="unknown rule selector"):
        rules.expand(["XYZ1"])
    with pytest.raises(ValueError):
        rules.expand(["LV999"])


def test_get_by_code_or_name():
    assert rules.get("lv201") is rules.get("rewrap-computed-tensor") is rules.RULES["LV201"]
    with pytest.raises(KeyError):
        rules.get("nope")


def test_explain_prints_ruff_style_sections(capsys):
    assert main(["explain", "LV201"]) == 0
    out = capsys.readouterr().out
    for heading in ("# rewrap-computed-tensor (LV201)", "## What it does",
                    "## Why it breaks on modern PyTorch", "## Example", "## Use instead",
                    "## Fix safety"):
        assert heading in out


def test_explain_unknown_code_is_a_usage_error(capsys):
    assert main(["explain", "LV999"]) == 2
    assert "unknown rule 'LV999'" in capsys.readouterr().err


def test_rules_json_lists_the_whole_catalog(capsys):
    assert main(["rules", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["code"] for d in data] == list(rules.RULES)
    assert data[0]["explanation"].startswith("# ")


def test_diagnostic_json_follows_ruff_shape_and_round_trips():
    diag = Diagnostic(
        code="LV106", message="m", path="a.py", line=3, column=5, end_line=3, end_column=21,
        noqa_row=3,
        fix=Fix((Edit("retain_graph", 3, 5, 3, 21),), "safe", "rename"),
    )
    data = diag.to_json()
    assert data == {
        "code": "LV106", "name": "retain-variables", "message": "m", "filename": "a.py",
        "location": {"row": 3, "column": 5}, "end_location": {"row": 3, "column": 21},
        "fix": {"applicability": "safe", "message": "rename", "edits": [
            {"content": "retain_graph", "location": {"row": 3, "column": 5},
             "end_location": {"row": 3, "column": 21}}]},
        "noqa_row": 3, "cell": None, "url": rules.RULES["LV106"].url,
    }
    assert Diagnostic.from_json(json.loads(json.dumps(data))) == diag


def test_catalog_module_imports_neither_torch_nor_ast():
    import subprocess
    import sys

    code = ("import sys, legacy_variable.rules, legacy_variable.diagnostics;"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
