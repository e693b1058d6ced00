"""`legacy-variable run`: unmodified legacy scripts run, and the report says what they rely on."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).parent / "fixtures" / "legacy_scripts"


def _python(*args: str, cwd: Path = SCRIPTS) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def _run(*args: str, cwd: Path = SCRIPTS) -> subprocess.CompletedProcess:
    return _python("-m", "legacy_variable", "run", *args, cwd=cwd)


def _line(script: str, marker: str) -> int:
    lines = (SCRIPTS / script).read_text().splitlines()
    hits = [i for i, text in enumerate(lines, start=1) if marker in text]
    assert len(hits) == 1, (marker, hits)
    return hits[0]


def _report_rows(stderr: str) -> dict[str, tuple[int, list[str]]]:
    """code -> (count, locations) from the text report."""
    rows = {}
    for m in re.finditer(r"^(LV\d{3}) [\w-]+  x(\d+)  at (.+)$", stderr, re.M):
        rows[m.group(1)] = (int(m.group(2)), re.findall(r"[\w./-]+:\d+", m.group(3)))
    return rows


# ---------------------------------------------------------------- the 0.3 training script


def test_training_script_fails_on_stock_torch():
    result = _python("train_legacy.py")
    assert result.returncode == 1
    assert "IndexError: invalid index of a 0-dim tensor" in result.stderr


def test_training_script_runs_and_matches_the_modernised_version(tmp_path):
    report = tmp_path / "report.json"
    legacy = _run("--report", str(report), "train_legacy.py")
    assert legacy.returncode == 0, legacy.stderr
    modern = _python("train_modern.py")
    assert modern.returncode == 0, modern.stderr
    assert legacy.stdout == modern.stdout  # same losses, same eval figures, no graph built
    assert "eval builds graph: False" in legacy.stdout
    assert legacy.stdout.count("loss") == 8

    rows = _report_rows(legacy.stderr)
    s = "train_legacy.py"
    assert rows["LV101"] == (17, [f"{s}:{_line(s, 'inputs, targets = Variable')}",
                                  f"{s}:{_line(s, 'volatile=True')}"])
    assert rows["LV104"] == (9, [f"{s}:{_line(s, 'loss.data[0]')}",
                                 f"{s}:{_line(s, 'mean().data[0]')}"])
    assert rows["LV113"] == (1, [f"{s}:{_line(s, 'size_average=True')}"])
    assert rows["LV103"] == (1, [f"{s}:{_line(s, 'volatile=True')}"])
    assert rows["LV114"] == (1, [f"{s}:{_line(s, 'F.softmax(output)')}"])
    # optimizer.step() and zero_grad() read .grad internally: never reported
    assert set(rows) == {"LV101", "LV103", "LV104", "LV113", "LV114"}
    assert "auto-fixable with `legacy-variable check --fix`" in legacy.stderr

    data = json.loads(report.read_text())
    assert {(d["code"], d["location"]["row"]) for d in data} == {
        ("LV101", 15), ("LV101", 22), ("LV104", 20), ("LV104", 25),
        ("LV113", 11), ("LV103", 22), ("LV114", 24),
    }
    assert set(data[0]) >= {"code", "name", "message", "filename", "location", "end_location",
                            "fix", "noqa_row", "cell", "url"}


def test_json_format_goes_to_stdout_after_the_programs_output_with_counts():
    # Behaviour change (issue 15): it went to stderr, mixed with the program's warnings.
    result = _run("--format", "json", "-q", "c_var.py")
    assert result.returncode == 0
    program, _, report = result.stdout.partition("\n[")
    assert program.splitlines() == ["None", "None", "tensor([1., 1., 1.])"]
    data = json.loads("[" + report)
    assert sorted(d["code"] for d in data) == ["LV101", "LV201", "LV203", "LV203"]
    assert all(d["count"] == 1 for d in data)
    assert "legacy-variable run" not in result.stderr


def test_json_format_with_report_file_writes_only_the_file(tmp_path):
    report = tmp_path / "r.json"
    result = _run("--format", "json", "--report", str(report), "-q", "c_var.py")
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["None", "None", "tensor([1., 1., 1.])"]
    assert sorted(d["code"] for d in json.loads(report.read_text())) == [
        "LV101", "LV201", "LV203", "LV203"]


def test_report_counts_every_occurrence_per_site(tmp_path):
    report = tmp_path / "r.json"
    assert _run("--report", str(report), "-q", "train_legacy.py").returncode == 0
    counts = {(d["code"], d["location"]["row"]): d["count"] for d in json.loads(report.read_text())}
    assert counts[("LV104", 20)] + counts[("LV104", 25)] == 9


def test_report_into_a_missing_folder_is_refused_before_the_program_runs(tmp_path):
    marker = tmp_path / "ran"
    script = tmp_path / "s.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    result = _run("--report", str(tmp_path / "nope" / "r.json"), str(script), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"legacy-variable run: error: --report {tmp_path / 'nope' / 'r.json'}: "
        f"directory {tmp_path / 'nope'} does not exist\n"
    )
    assert not marker.exists()


def test_report_write_failure_after_the_run_falls_back_to_a_temp_file(tmp_path, capsys):
    from legacy_variable.runtime import run as run_module

    script = tmp_path / "s.py"
    script.write_text(
        "import shutil, torch\n"
        f"shutil.rmtree({str(tmp_path / 'out')!r})\n"
        "torch.ones(2).sum().data[0]\n"
    )
    (tmp_path / "out").mkdir()
    code = run_module.run(script=str(script), report_path=str(tmp_path / "out" / "r.json"),
                          quiet=True)
    assert code == 0
    err = capsys.readouterr().err
    fallback = re.search(r"the JSON report is in (\S+\.json)", err).group(1)
    assert [d["code"] for d in json.loads(Path(fallback).read_text())] == ["LV104"]
    os.unlink(fallback)


def test_missing_module_is_a_clean_error_without_a_report():
    result = _run("-m", "nosuchmod_for_legacy_variable")
    assert result.returncode == 1
    assert result.stderr == (
        "legacy-variable run: error: No module named nosuchmod_for_legacy_variable\n"
    )


def test_a_notebook_is_refused_with_a_clear_message(tmp_path):
    nb = tmp_path / "legacy.ipynb"
    nb.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    result = _run(str(nb), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"legacy-variable run: error: {nb} is a Jupyter notebook")
    assert "jupyter nbconvert --to script" in result.stderr


@pytest.mark.parametrize("value", ["loud", "errors"])
def test_invalid_env_action_is_refused(value):
    env = dict(os.environ, LEGACY_VARIABLE=value)
    result = subprocess.run(
        [sys.executable, "-m", "legacy_variable", "run", "c_var.py"],
        cwd=SCRIPTS, capture_output=True, text=True, timeout=120, env=env,
    )
    assert result.returncode == 2
    assert (
        f"legacy-variable run: error: LEGACY_VARIABLE={value!r} is not a valid action; "
        "expected one of once, always, error, ignore"
    ) in result.stderr
    assert result.stdout == ""


# ---------------------------------------------------------------- the seed's c_var example


def test_c_var_report_names_a_and_b_the_wrap_and_the_read():
    result = _run("c_var.py")
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["None", "None", "tensor([1., 1., 1.])"]
    wrap = _line("c_var.py", "c_var = Variable(c, requires_grad=True)")
    read_a = _line("c_var.py", "print(a.grad)")
    read_b = _line("c_var.py", "print(b.grad)")
    rows = _report_rows(result.stderr)
    assert rows["LV201"] == (1, [f"c_var.py:{wrap}"])
    assert rows["LV203"] == (2, [f"c_var.py:{read_a}", f"c_var.py:{read_b}"])
    assert "gradients will not reach `a`, `b`" in result.stderr
    assert (
        f"`a.grad` is always None here: `a` only flowed into the new leaf made at line {wrap}, "
        "which started a new graph" in result.stderr
    )
    # the inline warning points at the user's line too
    assert f"c_var.py:{read_a}: LegacyVariableWarning: LV203" in result.stderr


# ---------------------------------------------------------------- program semantics


def test_exit_status_argv_and_main_are_passed_through():
    result = _run("exits_legacy.py", "3", "--flag")
    assert result.returncode == 3
    assert "value 3.0 ['3', '--flag']" in result.stdout
    assert _report_rows(result.stderr)["LV104"][0] == 1


def test_module_mode_runs_as_main_with_its_arguments():
    result = _run("-m", "legacy_pkg.main", "--x", "1")
    assert result.returncode == 0, result.stderr
    assert "grad [4.0, 4.0] argv ['--x', '1'] name __main__" in result.stdout
    assert set(_report_rows(result.stderr)) == {"LV101", "LV106"}


def test_report_comes_before_the_traceback_when_the_program_raises():
    result = _run("raises_legacy.py")
    assert result.returncode == 1
    report_at = result.stderr.index("LV104 scalar-data-index")
    traceback_at = result.stderr.index("Traceback (most recent call last)")
    assert report_at < traceback_at
    assert "ValueError: boom after 6.0" in result.stderr
    assert os.path.join("runtime", "run.py") not in result.stderr[traceback_at:]


def test_strict_fails_at_the_first_diagnostic():
    result = _run("--strict", "c_var.py")
    assert result.returncode == 1
    assert "LegacyVariableWarning: LV101" in result.stderr
    assert result.stdout == ""  # stopped before the prints


def test_threads_and_num_workers_0_dataloader_are_covered():
    result = _run("threads_legacy.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3 True"
    rows = _report_rows(result.stderr)
    s = "threads_legacy.py"
    assert rows["LV104"][1] == [f"{s}:{_line(s, 'results.append(loss.data[0])')}",
                                f"{s}:{_line(s, '.mean().data[0]')}"]


def test_missing_script_is_a_usage_error():
    result = _run("no_such_script.py")
    assert result.returncode == 2
    assert "can't open file" in result.stderr


@pytest.mark.parametrize("args", [["--help"]])
def test_help_documents_the_command(args):
    result = _run(*args)
    assert result.returncode == 0
    assert "-m module" in result.stdout and "--strict" in result.stdout


@pytest.mark.skipif(sys.platform != "linux", reason="fork start method")
def test_forked_dataloader_workers_report_to_the_parent():
    result = _run("-q", "workers_legacy.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[0.0, 2.0]", "[4.0, 6.0]"]
    s = "workers_legacy.py"
    assert _report_rows(result.stderr)["LV104"] == (4, [f"{s}:{_line(s, 'total.data[0]')}"])


def test_trace_ops_covers_torch_functions_in_the_main_thread_and_in_threads():
    plain = _report_rows(_run("-q", "c_var_ops.py").stderr)
    assert "LV201" not in plain
    result = _run("-q", "--trace-ops", "c_var_ops.py")
    assert result.returncode == 0, result.stderr
    rows = _report_rows(result.stderr)
    s = "c_var_ops.py"
    assert rows["LV201"] == (2, [f"{s}:{_line(s, 'c_var = Variable(c')}"])  # both threads
    assert result.stderr.count("flowed into the new leaf") == 1  # first message shown
