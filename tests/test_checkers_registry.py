"""The rule registry: every static rule has a line, and the walk's filters, the pre-filter
and the dispatch come from the lines of the selected codes only."""

import ast

import pytest

from legacy_variable.lint.checkers import check_module, registry
from legacy_variable.lint.checkers.events import EventKind
from legacy_variable.rules import RULES, Code


def _check(source, codes=None):
    found = check_module(ast.parse(source), source, "example.py", codes=codes)
    return [(d.code, d.line, d.column) for d in found]


def test_every_static_rule_has_a_registry_line_and_every_line_a_static_rule():
    engine_rules = {Code.SYNTAX_ERROR, Code.UNREADABLE_FILE}
    static = {rule.code for rule in RULES.values() if rule.static} - engine_rules
    assert registry.CODES == static


def test_each_line_is_one_function_of_its_rule():
    runs = {}
    for check in registry.CHECKS:
        runs.setdefault(check.run, set()).add(check.code)
    assert all(len(codes) == 1 for codes in runs.values())


@pytest.mark.parametrize("code", sorted(registry.CODES))
def test_selecting_one_rule_reports_what_the_full_run_reports_for_it(code):
    rule = RULES[code]
    try:
        ast.parse(rule.example)
    except SyntaxError:
        pytest.skip("example is a SyntaxError: the engine's token pass reports it")
    expected = [e for e in rule.example_expects if e[0] == code]
    assert _check(rule.example, codes={code}) == expected


def test_unselected_rules_do_not_run():
    plan = registry.plan({Code.SCALAR_DATA_INDEX})
    assert plan.by_call == {} and plan.by_attr == {} and plan.by_keyword == {}
    assert plan.modules == () and plan.compares == () and plan.local_calls == ()
    assert set(plan.handlers) == {EventKind.INDEX0}
    assert not plan.wraps
    source = "from torch.autograd import Variable\nx = Variable(t)\nloss = f(x)\ny = loss.data[0]\n"
    assert [c for c, _, _ in _check(source)] == ["LV102", "LV101", "LV104"]
    assert _check(source, codes={"LV104"}) == [("LV104", 4, 5)]


def test_the_walk_keeps_only_what_the_selected_rules_need():
    filters = registry.plan({Code.LEGACY_TYPE_CAST}).filters
    # ``.type(...)`` for the rule; the flow's own state methods to keep its facts true.
    assert filters.call_attrs == {"type", "requires_grad_", "retain_grad"}
    assert filters.call_kwargs == set()
    assert filters.events == {EventKind.TYPE_CAST}
    filters = registry.plan({Code.LOSS_REDUCTION_KWARGS}).filters
    assert filters.call_attrs == set() and filters.events == set()
    assert filters.call_kwargs == {"size_average", "reduce"}


def test_the_prefilter_comes_from_the_selected_rules():
    # A file with none of a selected rule's words is skipped before the walk.
    assert registry.plan({Code.VOLATILE_ATTRIBUTE}).text == ("torch", "volatile")
    assert registry.plan({Code.SCALAR_DATA_INDEX}).text == ("torch",)
    assert set(registry.plan().text) == {"torch", "Variable", "volatile", "require_grad"}
    assert _check("x = Variable(t, volatile=True)\n", codes={"LV104"}) == []


def test_a_rule_with_two_lines_runs_both():
    source = ("import torch\nfrom torch.autograd import Variable\nx = torch.ones(1)\n"
              "a = isinstance(x, Variable)\nb = type(x) == Variable\n")
    assert _check(source, codes={"LV110"}) == [("LV110", 4, 5), ("LV110", 5, 5)]


def test_wraps_are_merged_into_the_flow_in_source_order():
    """Many wraps in one scope: each is seen once, at its place among the scope's events
    (the wrap at line 3 sees ``b`` computed, the one at line 5 sees it rebound)."""
    source = (
        "import torch\nfrom torch.autograd import Variable\n"
        "w = torch.ones(3, requires_grad=True)\nb = w * 2\nv1 = Variable(b)\n"
        "b = torch.ones(3)\nv2 = Variable(b)\n"
    )
    assert _check(source, codes={"LV202"}) == [("LV202", 5, 6)]


def test_rules_leave_the_index_records_as_the_walk_made_them():
    from legacy_variable.lint.checkers import _run_rules
    from legacy_variable.lint.checkers.names import ModuleIndex

    source = (
        "import torch\nfrom torch.autograd import Variable\n"
        "def f(w):\n    b = w * 2\n    v = Variable(b, requires_grad=True)\n"
        "    v.backward(torch.ones(3))\n    print(w.grad)\n    return b.data[0][1]\n"
    )
    plan = registry.plan()
    index = ModuleIndex(ast.parse(source), plan.filters)
    before = [list(scope.events) for scope in index.scopes]
    found = _run_rules(index, source, "example.py", plan)
    assert {d.code for d in found} >= {"LV101", "LV201"}
    assert [list(scope.events) for scope in index.scopes] == before
    (function,) = [scope for scope in index.scopes if scope.kind == "function"]
    assert all(isinstance(event.kind, EventKind) for event in function.events)
    assert [e.position for e in function.events] == sorted(e.position for e in function.events)
    (index0,) = [e for e in function.events if e.kind is EventKind.INDEX0]
    assert index0.name == "b" and index0.indexed_again
