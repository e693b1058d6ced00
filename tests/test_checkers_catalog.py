"""Every static rule's catalog example is flagged, and its `use_instead` is clean."""

import ast

import pytest

from legacy_variable.rules import RULES
from lint_helpers import check, fix_source

# LV001/LV002 are the engine's (files that do not parse or cannot be read); LV105's example
# does not parse (the engine's token pass handles it).
STATIC_RULES = [
    rule for rule in RULES.values()
    if rule.static and rule.code not in ("LV001", "LV002")
]


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True


@pytest.mark.parametrize("rule", STATIC_RULES, ids=lambda r: r.code)
def test_example_is_flagged(rule):
    if not _parses(rule.example):
        pytest.skip("example is a SyntaxError: the engine's token pass reports it")
    codes = {d.code for d in check(rule.example, dedent=False)}
    assert rule.code in codes


@pytest.mark.parametrize("rule", STATIC_RULES, ids=lambda r: r.code)
def test_use_instead_is_clean(rule):
    assert check(rule.use_instead, dedent=False) == []


@pytest.mark.parametrize("rule", STATIC_RULES, ids=lambda r: r.code)
def test_fixing_the_example_gives_parsable_code_and_is_idempotent(rule):
    if not _parses(rule.example):
        pytest.skip("example is a SyntaxError")
    fixed = fix_source(rule.example, unsafe=True)
    ast.parse(fixed)
    assert fix_source(fixed, unsafe=True) == fixed


@pytest.mark.parametrize("rule", STATIC_RULES, ids=lambda r: r.code)
def test_messages_come_from_the_catalog(rule):
    if not _parses(rule.example):
        pytest.skip("example is a SyntaxError")
    for d in check(rule.example, dedent=False):
        assert "{" not in d.message or d.code == "LV201", d.message
        assert d.column >= 1 and d.line >= 1
