"""``legacy-variable check`` behaves as ruff users expect (issue 15): excludes for named
files, --config overrides, stdin, empty runs, and the CLI flags ruff users reach for."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from legacy_variable.cli import main

LEGACY = "import torch\nfrom torch.autograd import Variable\nx = Variable(torch.ones(2))\ny = x.cuda(async=True)\n"
#: With LV102 ignored (as the project's pyproject says), the import stays.
FIXED = "import torch\nfrom torch.autograd import Variable\nx = torch.ones(2)\ny = x.cuda(non_blocking=True)\n"
MSG101 = "`Variable(...)` is a legacy wrapper: on modern PyTorch it returns a detached tensor; use the tensor itself"
MSG105 = "`async=` is a SyntaxError since Python 3.7; use `non_blocking=`"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.legacy-variable]\nextend-exclude = ["third_party"]\nignore = ["LV102"]\n'
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(LEGACY)
    (tmp_path / "third_party" / "lib").mkdir(parents=True)
    (tmp_path / "third_party" / "lib" / "old.py").write_text(LEGACY)
    return tmp_path


def run(capsys, *args, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8"))))
    code = main(["check", "--no-cache", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def concise(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(("src", "third", "-", "x.py", "t"))]


# --- item 2: --force-exclude ---------------------------------------------------------


def test_named_files_are_linted_whatever_the_excludes_without_force_exclude(project, capsys):
    code, out, _ = run(capsys, "--output-format", "concise", "third_party/lib/old.py")
    assert code == 1
    assert f"third_party/lib/old.py:3:5: LV101 [*] {MSG101}" in out


def test_force_exclude_skips_named_files_under_an_excluded_directory(project, capsys):
    code, out, err = run(capsys, "--force-exclude", "--fix", "third_party/lib/old.py", "src/a.py")
    assert (project / "third_party" / "lib" / "old.py").read_text() == LEGACY  # untouched
    assert (project / "src" / "a.py").read_text() == FIXED
    assert code == 0 and out == "Found 2 errors (2 fixed, 0 remaining).\n", err


def test_force_exclude_with_only_excluded_files_is_a_silent_success(project, capsys):
    assert run(capsys, "--force-exclude", "third_party/lib/old.py") == (0, "", "")


def test_force_exclude_can_be_set_in_pyproject(project, capsys):
    (project / "pyproject.toml").write_text('[tool.legacy-variable]\nextend-exclude = ["old.py"]\nforce-exclude = true\n')
    assert run(capsys, "third_party/lib/old.py")[0] == 0
    assert run(capsys, "--no-force-exclude", "third_party/lib/old.py")[0] == 1


def test_the_pre_commit_hook_passes_force_exclude():
    hooks = open(os.path.join(ROOT, ".pre-commit-hooks.yaml"), encoding="utf-8").read()
    assert "entry: legacy-variable check --force-exclude" in hooks


# --- item 6: --config "key = value" overrides one key ----------------------------------


def test_inline_config_overrides_one_key_and_keeps_the_rest_of_pyproject(project, capsys):
    # The file's extend-exclude and ignore still apply; only output-format is replaced.
    code, out, _ = run(capsys, "--config", 'output-format = "concise"', ".")
    assert out.splitlines()[:2] == [f"src/a.py:3:5: LV101 [*] {MSG101}", f"src/a.py:4:12: LV105 [*] {MSG105}"]
    assert "third_party" not in out and "LV102" not in out


def test_inline_select_replaces_only_the_files_select(project, capsys):
    code, out, _ = run(capsys, "--config", 'select = ["LV1"]', "--config", 'output-format = "concise"', "src")
    assert [line.split()[1] for line in out.splitlines()[:-2]] == ["LV101", "LV105"]  # ignore LV102 kept


def test_inline_config_errors_are_one_line(project, capsys):
    code, _, err = run(capsys, "--config", "select = [", "src")
    assert code == 2 and err.startswith("legacy-variable: error: invalid TOML in --config")
    code, _, err = run(capsys, "--config", "nosuchfile.toml", "src")
    assert (code, err) == (2, "legacy-variable: error: --config: no such file 'nosuchfile.toml'\n")


# --- item 7: stdin -------------------------------------------------------------------


def test_stdin_dash_reports_the_text_as_dash(project, capsys, monkeypatch):
    code, out, _ = run(capsys, "--output-format", "concise", "-", stdin=LEGACY, monkeypatch=monkeypatch)
    assert code == 1
    # The configuration found from the current directory applies (it ignores LV102).
    assert out.splitlines()[:2] == [f"-:3:5: LV101 [*] {MSG101}", f"-:4:12: LV105 [*] {MSG105}"]


def test_stdin_filename_uses_its_config_and_name_and_frames_the_stdin_text(project, capsys, monkeypatch):
    # src/a.py on disk differs from the text on stdin: the frame must show stdin's line.
    text = "\n" + LEGACY
    code, out, _ = run(capsys, "--stdin-filename", "src/a.py", stdin=text, monkeypatch=monkeypatch)
    assert "LV102" not in out  # pyproject's ignore applies
    assert " --> src/a.py:4:5\n  |\n4 | x = Variable(torch.ones(2))\n" in out


def test_stdin_fix_writes_the_fixed_source_to_stdout_and_the_report_to_stderr(project, capsys, monkeypatch):
    code, out, err = run(capsys, "--fix", "--stdin-filename", "src/a.py", stdin=LEGACY, monkeypatch=monkeypatch)
    assert out == FIXED
    assert err == "Found 2 errors (2 fixed, 0 remaining).\n"
    assert code == 0
    assert (project / "src" / "a.py").read_text() == LEGACY  # the named file is not written


def test_stdin_with_force_exclude_echoes_an_excluded_file(project, capsys, monkeypatch):
    result = run(
        capsys, "--fix", "--force-exclude", "--stdin-filename", "third_party/x.py", stdin=LEGACY, monkeypatch=monkeypatch
    )
    assert result == (0, LEGACY, "")


def test_stdin_diff(project, capsys, monkeypatch):
    code, out, _ = run(capsys, "--diff", "-", stdin=LEGACY, monkeypatch=monkeypatch)
    assert code == 1 and out.startswith("--- -\n+++ -\n")
    assert "-x = Variable(torch.ones(2))\n" in out and "+x = torch.ones(2)\n" in out


def test_stdin_through_the_real_command(project):
    done = subprocess.run(
        [sys.executable, "-m", "legacy_variable", "check", "--no-cache", "--fix", "-"],
        input=LEGACY, capture_output=True, text=True, cwd=project,
        env={**os.environ, "PYTHONPATH": ROOT},
    )
    assert (done.returncode, done.stdout) == (0, FIXED), done.stderr


def test_dash_with_other_paths_is_a_usage_error(project, capsys):
    code, _, err = run(capsys, "-", "src")
    assert code == 2 and "cannot be combined" in err


# --- item 8: nothing to check --------------------------------------------------------


def test_a_directory_without_python_files_warns_instead_of_passing(project, capsys):
    (project / "docs").mkdir()
    (project / "docs" / "index.md").write_text("# hi\n")
    code, out, err = run(capsys, "docs")
    assert (code, out, err) == (0, "", "warning: No Python files found under the given path(s)\n")


# --- item 11: CLI polish -------------------------------------------------------------


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(flag, capsys):
    from legacy_variable import __version__

    assert main([flag]) == 0
    assert capsys.readouterr().out == f"legacy-variable {__version__}\n"


def test_a_mistyped_flag_gets_a_suggestion(capsys):
    assert main(["check", "--extend-selct", "LV1", "x.py"]) == 2
    err = capsys.readouterr().err
    assert err.endswith("unrecognized arguments: --extend-selct\n  tip: did you mean `--extend-select`?\n")


def test_output_file_gets_the_whole_report_and_stdout_stays_empty(project, capsys):
    code, out, _ = run(capsys, "--output-format", "json", "--output-file", "reports/lint.json", "src")
    assert (code, out) == (1, "")
    data = json.loads((project / "reports" / "lint.json").read_text())
    assert [d["code"] for d in data] == ["LV101", "LV105"]


def test_output_file_that_cannot_be_written_is_a_clear_error(project, capsys):
    (project / "blocker").write_text("")
    code, _, err = run(capsys, "--output-file", "blocker/r.txt", "src")
    assert code == 2 and err.startswith("legacy-variable: error: ") and "Traceback" not in err


def test_fix_only_reports_the_fixes_and_exits_zero_with_findings_left(project, capsys):
    (project / "src" / "a.py").write_text(LEGACY + "z = Variable(x, volatile=True)\n")
    code, out, _ = run(capsys, "--fix-only", "src")
    assert (code, out) == (0, "Fixed 2 errors.\n")
    assert "volatile=True" in (project / "src" / "a.py").read_text()
    assert run(capsys, "--fix-only", "src")[1] == "No errors fixed.\n"


def test_exit_non_zero_on_fix(project, capsys):
    code, out, _ = run(capsys, "--fix", "--exit-non-zero-on-fix", "src")
    assert code == 1 and out == "Found 2 errors (2 fixed, 0 remaining).\n"
    assert run(capsys, "--fix", "--exit-non-zero-on-fix", "src")[0] == 0  # nothing left to fix


def test_add_noqa_silences_todays_findings(project, capsys):
    source = (
        "import torch\n"
        "from torch.autograd import Variable\n"
        "x = Variable(torch.ones(2))  # noqa: E501\n"
        "f(Variable(torch.ones(1)), '''\ntext\n''')\n"
        "z = Variable(torch.ones(3))  # noqa\n"
        "y = x.cuda(async=True)\n"
    )
    (project / "src" / "b.py").write_text(source)
    code, _, err = run(capsys, "--add-noqa", "src/b.py")
    assert code == 0
    assert err == "Added 3 noqa directives.\n"
    # LV102 is ignored by the project; the bare `# noqa` covers line 7 already. The
    # finding on line 4 gets its comment where its statement's string ends, the one
    # place a comment can go (it covers the rows Python joins, as in flake8 and ruff).
    assert (project / "src" / "b.py").read_text() == source.replace("# noqa: E501", "# noqa: E501, LV101").replace(
        "async=True)\n", "async=True)  # noqa: LV105\n"
    ).replace("\n''')\n", "\n''')  # noqa: LV101\n")
    assert run(capsys, "src/b.py")[:2] == (0, "All checks passed!\n")


def test_add_noqa_puts_the_comment_after_a_backslash_continuation(project, capsys):
    # A comment after the backslash would end the file's parse there.
    source = (
        "import torch\n"
        "from torch.autograd import Variable\n"
        "t = torch.ones(2)\n"
        "y = Variable(t) + \\\n"
        "    Variable(t)\n"
    )
    (project / "src" / "d.py").write_text(source)
    assert run(capsys, "--add-noqa", "src/d.py")[0] == 0
    assert (project / "src" / "d.py").read_text() == source.replace(
        "    Variable(t)\n", "    Variable(t)  # noqa: LV101\n")
    assert run(capsys, "src/d.py")[:2] == (0, "All checks passed!\n")


def test_add_noqa_keeps_a_file_it_would_leave_not_parsing(project, capsys, monkeypatch):
    # The comments go where comments can; should a text ever come out not parsing, the
    # file stays as it was and the run says so.
    from legacy_variable.lint import add_noqa

    source = "import torch\nfrom torch.autograd import Variable\nx = Variable(torch.ones(2))\n"
    (project / "src" / "f.py").write_text(source)
    monkeypatch.setattr(add_noqa, "add_to_text", lambda text, rows: (text + "x = (\n", 1, 0))
    code, _, err = run(capsys, "--add-noqa", "src/f.py")
    assert code == 2
    assert err == "legacy-variable: error: src/f.py: cannot add noqa: the result would not parse\n"
    assert (project / "src" / "f.py").read_text() == source


def test_a_noqa_comment_covers_the_rows_python_joins_as_in_flake8(project, capsys):
    source = (
        "import torch\n"
        "from torch.autograd import Variable\n"
        "t = torch.ones(2)\n"
        "y = Variable(t) + \\\n"
        "    t  # noqa: LV101\n"
        'z = f(Variable(t), """\n'
        "text\n"
        '""")  # noqa: LV101\n'
        "w = f(Variable(t),\n"
        "      t)  # noqa: LV101\n"  # brackets alone join nothing: one row each, as in flake8
        "v = Variable(t) + \\\n"
        "    t  # noqa: LV103\n"  # another code: not silenced
    )
    (project / "src" / "e.py").write_text(source)
    code, out, _ = run(capsys, "--output-format", "concise", "src/e.py")
    assert code == 1
    assert concise(out) == [f"src/e.py:9:7: LV101 {MSG101}", f"src/e.py:11:5: LV101 {MSG101}"]


def test_add_noqa_then_check_passes(project, capsys):
    source = "import torch\nfrom torch.autograd import Variable\nx = Variable(torch.ones(2))\nloss.data[0]\n"
    (project / "src" / "a.py").write_text(source)
    assert run(capsys, "--add-noqa", "--select", "ALL", "src")[0] == 0
    assert run(capsys, "--select", "ALL", "src")[:2] == (0, "All checks passed!\n")


def test_add_noqa_counts_rows_as_python_does_and_never_writes_into_a_string(project, capsys):
    # Form feeds (old editors' page breaks) are no line breaks to Python; counting rows
    # with str.splitlines() put LV101's comment two rows early, inside the string.
    source = (
        "import torch\n"
        "from torch.autograd import Variable\n"
        'doc = """a\x0cb\x0cz\n'
        'c\n'
        '"""\n'
        "x = Variable(torch.ones(2))\n"
    )
    (project / "src" / "c.py").write_text(source)
    assert run(capsys, "--add-noqa", "--select", "LV101", "src/c.py")[0] == 0
    assert (project / "src" / "c.py").read_text() == source.replace(
        "ones(2))\n", "ones(2))  # noqa: LV101\n")


def test_show_files_lists_what_would_be_checked(project, capsys):
    (project / "src" / "notes.txt").write_text("")
    code, out, _ = run(capsys, "--show-files", ".")
    assert code == 0
    assert out.splitlines() == [str(project / "src" / "a.py")]


def test_show_settings(project, capsys):
    code, out, _ = run(capsys, "--show-settings", "--select", "LV101", "src")
    lines = out.splitlines()
    assert code == 0
    assert f"config-path = {str(project / 'pyproject.toml')!r}" in lines
    assert "selected = ['LV101']" in lines, lines
    assert "force-exclude = False" in lines
    assert any(line.startswith("exclude = [") and "'third_party'" in line for line in lines)


def test_colour_on_a_terminal_off_with_no_color_forced_with_force_color(monkeypatch):
    from legacy_variable.lint.output import color_enabled

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert color_enabled(Terminal()) and not color_enabled(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not color_enabled(Terminal())
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert color_enabled(io.StringIO())


def test_force_color_paints_codes_and_locations(project, capsys, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    out = run(capsys, "--output-format", "concise", "src")[1]
    assert out.splitlines()[0] == f"\x1b[1msrc/a.py:3:5\x1b[0m: \x1b[1;31mLV101\x1b[0m [*] {MSG101}"
    json_out = run(capsys, "--output-format", "json", "src")[1]
    assert "\x1b" not in json_out  # machine formats never


def test_rules_columns_are_aligned(capsys):
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["CODE", "NAME", "FIX", "FACES", "SUMMARY"]
    starts = {line.index(line.split()[1], 5) for line in lines}
    assert len(starts) == 1  # every NAME starts in the same column
    summary_column = lines[0].index("SUMMARY")
    from legacy_variable.rules import RULES

    by_code = {r.code: r for r in RULES.values()}
    for line in lines[1:]:
        assert line[summary_column:] == by_code[line.split()[0]].summary


def test_output_file_never_gets_colour(project, capsys, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    run(capsys, "--output-format", "concise", "-o", "lint.txt", "src")
    assert (project / "lint.txt").read_text().startswith(f"src/a.py:3:5: LV101 [*] {MSG101}\n")


def test_inline_config_applies_over_a_named_config_file(project, capsys):
    (project / "lint.toml").write_text('select = ["LV105"]\n')
    code, out, _ = run(capsys, "--config", "lint.toml", "--config", 'output-format = "concise"', "src")
    assert out.splitlines()[0] == f"src/a.py:4:12: LV105 [*] {MSG105}"
    assert len(out.splitlines()) == 3  # the finding and the two summary lines


def test_binary_stdin_is_a_clear_error_and_fix_echoes_it(project, capsysbinary, monkeypatch):
    data = b"x = 1\x00\xff\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code = main(["check", "--no-cache", "--fix", "--stdin-filename", "x.py"])
    captured = capsysbinary.readouterr()
    assert code == 2 and captured.out == data
    assert captured.err.startswith(b"legacy-variable: error: cannot decode stdin as x.py: binary file")
