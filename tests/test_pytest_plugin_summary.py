"""The summary core (``legacy_variable.summary``), without pytest runs or torch."""

from __future__ import annotations

import json

from legacy_variable.diagnostics import Diagnostic
from legacy_variable.summary import format_summary
from legacy_variable.tally import Entry, Tally, fix_by_check


def diag(code: str, line: int, path: str = "/suite/test_a.py", message: str = "m") -> Diagnostic:
    return Diagnostic(code=code, message=message, path=path, line=line, column=5)


def relpath(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def test_occurrences_at_one_site_are_one_entry_with_a_count() -> None:
    tally = Tally()
    for _ in range(1000):  # a legacy training loop: bounded by sites, not iterations
        tally.add(diag("LV104", 9), test="t.py::test_train")
    tally.add(diag("LV104", 9), test="t.py::test_eval")
    assert [(e.test, e.count) for e in tally] == [("t.py::test_eval", 1), ("t.py::test_train", 1000)]
    assert tally.total == 1001
    [row] = tally.rows()
    assert (row.code, row.name, row.count, row.tests) == ("LV104", "scalar-data-index", 1001, 2)
    assert row.sites == (("/suite/test_a.py", 9),)


def test_payload_round_trips_through_json_and_merges_like_one_process() -> None:
    # Two xdist workers' tallies merged on the controller == one serial tally.
    serial, worker_1, worker_2 = Tally(), Tally(), Tally()
    occurrences = [
        (diag("LV101", 3), "t.py::a", False),
        (diag("LV101", 3), "t.py::a", False),
        (diag("LV103", 4), "t.py::b", True),
        (diag("LV201", 7, path="/suite/conftest.py"), None, False),
    ]
    for i, (d, test, allowed) in enumerate(occurrences):
        serial.add(d, test=test, allowed=allowed)
        (worker_1 if i % 2 else worker_2).add(d, test=test, allowed=allowed)
    controller = Tally()
    for worker in (worker_2, worker_1):
        controller.merge_payload(json.loads(json.dumps(worker.to_payload())))
    assert controller.report() == serial.report()
    assert controller.rows() == serial.rows()
    assert controller.not_allowed() == {"LV101": 2, "LV201": 1}



def test_xdist_merge_counts_code_outside_tests_once() -> None:
    # conftest.py is imported by the controller and by every worker, and every worker
    # collects every module: outside-test sites must keep the serial count, not a sum.
    conftest, module_body = diag("LV101", 3, path="/suite/conftest.py"), diag("LV101", 3)
    serial = Tally()
    serial.add(conftest)
    serial.add(module_body)
    serial.add(diag("LV101", 9), test="t.py::a")
    controller = Tally()
    controller.add(conftest)  # the controller's own conftest import
    workers = [Tally(), Tally()]
    for worker in workers:
        worker.add(conftest)
        worker.add(module_body)
    workers[0].add(diag("LV101", 9), test="t.py::a")
    for worker in workers:
        controller.merge_payload(worker.to_payload(), outside_tests_once=True)
    assert controller.report() == serial.report()

def test_report_items_are_linter_json_plus_test_count_allowed() -> None:
    tally = Tally()
    tally.add(diag("LV101", 3), test="t.py::a", allowed=True, count=2)
    [item] = tally.report()
    assert item == {
        **diag("LV101", 3).to_json(),
        "test": "t.py::a",
        "count": 2,
        "allowed": True,
    }
    assert Entry.from_json(item).to_json() == item


def test_rows_count_tests_not_collection_time_code() -> None:
    tally = Tally()
    tally.add(diag("LV101", 1), test=None)  # module-level code, run at collection
    tally.add(diag("LV101", 2), test="t.py::a")
    [row] = tally.rows()
    assert (row.count, row.tests, len(row.sites)) == (2, 1, 2)


def test_fixability_comes_from_the_catalog() -> None:
    assert fix_by_check("LV106") == "safe"
    assert fix_by_check("LV101") == "sometimes"
    assert fix_by_check("LV202") == "unsafe"
    assert fix_by_check("LV203") == ""
    assert fix_by_check("LV999") == ""


def test_table_and_hint() -> None:
    tally = Tally()
    for line in (5, 9, 14, 21):
        tally.add(diag("LV101", line), test=f"t.py::test_{line}")
    tally.add(diag("LV101", 5), test="t.py::test_5")
    tally.add(diag("LV202", 30), test="t.py::test_30")
    tally.add(diag("LV203", 31), test="t.py::test_30")
    assert format_summary(tally, relpath=relpath) == [
        "code   name              count  tests  fix        first locations",
        "LV101  variable-wrapper      5      4  sometimes  test_a.py:5, test_a.py:9, test_a.py:14, (+1 more)",
        "LV202  detaching-wrap        1      1  unsafe     test_a.py:30",
        "LV203  grad-always-none      1      1  -          test_a.py:31",
        "7 legacy diagnostics at 6 call sites in 5 tests",
        # No such files: the linter cannot vouch for a fix there.
        "0 of 6 call sites auto-fixable with `legacy-variable check --fix`",
    ]


def test_allowed_column_appears_once_something_is_allowed() -> None:
    tally = Tally()
    tally.add(diag("LV101", 5), test="t.py::a", allowed=True)
    tally.add(diag("LV101", 6), test="t.py::b")
    lines = format_summary(tally, relpath=relpath)
    assert lines[0].split() == ["code", "name", "count", "tests", "fix", "allowed", "first", "locations"]
    assert lines[1].split()[:6] == ["LV101", "variable-wrapper", "2", "2", "sometimes", "1"]


def test_empty_tally() -> None:
    assert format_summary(Tally()) == ["no legacy diagnostics"]
