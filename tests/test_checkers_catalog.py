"""Every static rule's catalog example, Fixit-style: the invalid example carries its exact
diagnostics and fixed sources (rules.py: ``example_expects``, ``example_fixed``,
``example_fixed_unsafe``), and the valid one (``use_instead``) is clean. One generated test
per example asserts all of it."""

import ast

import pytest

from legacy_variable.lint.async_fix import find_async_keywords
from legacy_variable.rules import FIX_SAFE, FIX_UNSAFE, RULES, Code
from lint_helpers import apply_edits, check, fix_source

# LV001/LV002 are the engine's (files that do not parse or cannot be read).
STATIC_RULES = [
    rule for rule in RULES.values()
    if rule.static and rule.code not in (Code.SYNTAX_ERROR, Code.UNREADABLE_FILE)
]


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True


def _found_and_fixed(text: str) -> tuple[list[tuple[str, int, int]], str, str]:
    """(code, line, column) of every diagnostic, the text with safe fixes, with all fixes."""
    if _parses(text):
        found = [(d.code, d.line, d.column) for d in check(text, dedent=False)]
        return found, fix_source(text), fix_source(text, unsafe=True)
    # ``async=`` does not parse: the engine's token pass finds it and renames it.
    diagnostics = find_async_keywords(text, "example.py")
    safe = apply_edits(text, [e for d in diagnostics if d.fix is not None
                              and d.fix.applicability == "safe" for e in d.fix.edits])
    return [(d.code, d.line, d.column) for d in diagnostics], safe, safe


@pytest.mark.parametrize("rule", STATIC_RULES, ids=lambda r: r.code)
def test_example(rule):
    found, safe, unsafe = _found_and_fixed(rule.example)
    assert found == list(rule.example_expects)
    assert rule.code in {code for code, _, _ in found}
    expected_safe = rule.example_fixed if rule.example_fixed is not None else rule.example
    assert safe == expected_safe
    expected_unsafe = rule.example_fixed_unsafe if rule.example_fixed_unsafe is not None \
        else expected_safe
    assert unsafe == expected_unsafe
    if expected_unsafe != rule.example:
        ast.parse(expected_unsafe)
        # A fixed point: fixing the result again changes nothing.
        assert _found_and_fixed(expected_unsafe)[2] == expected_unsafe


@pytest.mark.parametrize("rule", STATIC_RULES, ids=lambda r: r.code)
def test_use_instead_is_clean(rule):
    assert check(rule.use_instead, dedent=False) == []


@pytest.mark.parametrize("rule", STATIC_RULES, ids=lambda r: r.code)
def test_a_fixable_rule_fixes_its_own_example(rule):
    """The catalog's promise holds on its own example: a safe rule's example gets a safe
    fix for that rule, an unsafe one's a fix of some kind ("sometimes" promises neither)."""
    if rule.fix not in (FIX_SAFE, FIX_UNSAFE):
        return
    if not _parses(rule.example):
        diagnostics = find_async_keywords(rule.example, "example.py")
    else:
        diagnostics = check(rule.example, dedent=False)
    own = [d for d in diagnostics if d.code == rule.code]
    assert own and all(d.fix is not None for d in own)
    if rule.fix == FIX_SAFE:
        assert all(d.fix.applicability == "safe" for d in own)


def test_lv108_example_gets_its_safe_fix():
    """The receiver is a tensor the linter knows (a factory result in the same scope): the
    cast runs in the scope's flow and sees that fact."""
    rule = RULES[Code.LEGACY_TYPE_CAST]
    (diagnostic,) = check(rule.example, dedent=False)
    assert diagnostic.fix is not None and diagnostic.fix.applicability == "safe"
    assert rule.example_fixed == rule.use_instead


@pytest.mark.parametrize("rule", STATIC_RULES, ids=lambda r: r.code)
def test_messages_come_from_the_catalog(rule):
    if not _parses(rule.example):
        pytest.skip("example is a SyntaxError")
    for d in check(rule.example, dedent=False):
        assert "{" not in d.message, d.message
        assert d.column >= 1 and d.line >= 1
