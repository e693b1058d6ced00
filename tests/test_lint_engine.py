"""The linter engine: files in, diagnostics and fixes out (checkers replaced by a double
where a rule other than LV001/LV002/LV105 is needed; those three are the engine's own)."""

from __future__ import annotations

import os
import stat

import lint_fake_checker
import pytest

from legacy_variable.cli import main
from legacy_variable.lint import checkers



def check(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", "--no-cache", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def concise(capsys, *args: str) -> tuple[int, list[str]]:
    code, out, _ = check(capsys, "--output-format", "concise", "-q", *args)
    return code, out.splitlines()


def write(path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode())


# --------------------------------------------------------------------- async= (LV105)

ASYNC_SOURCE = "import torch\nx = torch.ones(3)\ny = x.cuda(async=True)\nz = x.to('é', async=True)  # keep\n"


def test_async_keyword_reported_at_its_position_in_the_file(project, capsys):
    write(project / "a.py", ASYNC_SOURCE)
    code, lines = concise(capsys, "a.py")
    assert code == 1
    assert lines == [
        "a.py:3:12: LV105 [*] `async=` is a SyntaxError since Python 3.7; use `non_blocking=`",
        "a.py:4:15: LV105 [*] `async=` is a SyntaxError since Python 3.7; use `non_blocking=`",
    ]


def test_async_fix_renames_the_keyword_and_nothing_else(project, capsys):
    write(project / "a.py", ASYNC_SOURCE)
    code, out, _ = check(capsys, "--fix", "a.py")
    assert code == 0
    assert (project / "a.py").read_text() == (
        "import torch\nx = torch.ones(3)\ny = x.cuda(non_blocking=True)\n"
        "z = x.to('é', non_blocking=True)  # keep\n"
    )
    assert "Found 2 errors (2 fixed, 0 remaining)." in out


def test_other_rules_run_on_an_async_file_with_positions_of_the_file_on_disk(project, capsys, fake):
    write(project / "a.py", "v = x.cuda(async=True) + Variable(t)\nw = Variable(u)\n")
    code, lines = concise(capsys, "a.py")
    assert lines == [
        "a.py:1:12: LV105 [*] `async=` is a SyntaxError since Python 3.7; use `non_blocking=`",
        "a.py:1:26: LV101 [*] `Variable(...)` is a legacy wrapper",
        "a.py:2:5: LV101 [*] `Variable(...)` is a legacy wrapper",
    ]
    code, out, _ = check(capsys, "--fix", "a.py")
    assert code == 0
    assert (project / "a.py").read_text() == "v = x.cuda(non_blocking=True) + t\nw = u\n"


def test_async_parameter_of_a_def_is_reported_without_a_fix(project, capsys):
    write(project / "a.py", "def cuda(self, async=False):\n    return async\n")
    code, lines = concise(capsys, "a.py")
    assert code == 1
    assert lines == [
        "a.py:1:16: LV001 file does not parse: invalid syntax",
        "a.py:1:16: LV105 `async=` is a SyntaxError since Python 3.7; use `non_blocking=`",
    ]


def test_async_and_python2_in_one_file_is_not_fixed(project, capsys):
    source = "x.cuda(async=True)\nprint 'done'\n"
    write(project / "a.py", source)
    code, out, _ = check(capsys, "--fix", "--output-format", "concise", "a.py")
    assert code == 1
    assert (project / "a.py").read_text() == source  # the result would not parse either
    assert "a.py:2:1: LV001 file does not parse: Missing parentheses in call to 'print'" in out


# ----------------------------------------------------------- unparsable and unreadable


def test_python2_file_is_one_syntax_error_and_the_run_goes_on(project, capsys, fake):
    write(project / "pkg" / "old.py", "import os\nif True:\n    print 'loss', loss\n")
    write(project / "pkg" / "new.py", "y = Variable(x)\n")
    code, lines = concise(capsys)
    assert code == 1
    assert lines == [
        "pkg/new.py:1:5: LV101 [*] `Variable(...)` is a legacy wrapper",
        "pkg/old.py:3:5: LV001 file does not parse: Missing parentheses in call to 'print'. "
        "Did you mean print(...)?",
    ]


@pytest.mark.parametrize(
    "data, detail",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (contains NUL bytes)"),
        (b"x = '\xff\xfe'\n", "cannot decode as utf-8: invalid start byte"),
        (b"# -*- coding: klingon -*-\nx = 1\n", "invalid encoding declaration: unknown encoding: klingon"),
    ],
)
def test_unreadable_file_is_reported_and_skipped(project, capsys, data, detail):
    write(project / "bad.py", data)
    write(project / "good.py", "x = 1\n")
    code, lines = concise(capsys)
    assert code == 1
    assert lines == [f"bad.py:1:1: LV002 file skipped: {detail}"]


def test_missing_path_is_reported_not_a_crash(project, capsys):
    code, lines = concise(capsys, "nowhere.py")
    assert code == 1
    assert lines == ["nowhere.py:1:1: LV002 file skipped: no such file or directory"]


# ------------------------------------------------------------------------- discovery


def test_discovery_walks_directories_for_py_files_and_takes_named_files_as_given(project, capsys):
    for name in ("a.py", "sub/b.py", "sub/deeper/c.pyi", "notes.txt", "script"):
        write(project / name, "x.cuda(async=True)\n")
    code, lines = concise(capsys, ".", "script")
    assert [line.split(":")[0] for line in lines] == ["a.py", "script", "sub/b.py", "sub/deeper/c.pyi"]


def test_default_excludes_and_virtualenvs_are_skipped(project, capsys):
    for name in (
        "keep.py",
        ".git/hooks/x.py",
        ".venv/lib/x.py",
        "venv/x.py",
        "build/lib/x.py",
        "dist/x.py",
        "pkg/__pycache__/x.py",
        ".tox/py/x.py",
        "node_modules/x.py",
        "lib/site-packages/x.py",
        "myenv/lib/x.py",
    ):
        write(project / name, "x.cuda(async=True)\n")
    write(project / "myenv" / "pyvenv.cfg", "home = /usr\n")
    code, lines = concise(capsys)
    assert [line.split(":")[0] for line in lines] == ["keep.py"]


GITIGNORE = """\
# comment
generated/
*.gen.py
/top_only.py
!keep.gen.py
docs/**/example.py
"""


def test_gitignore_is_respected(project, capsys):
    write(project / ".gitignore", GITIGNORE)
    (project / ".git").mkdir()
    names = [
        "generated/x.py",
        "a/generated/x.py",
        "m.gen.py",
        "keep.gen.py",
        "top_only.py",
        "sub/top_only.py",
        "docs/example.py",
        "docs/a/b/example.py",
        "sub/nested.py",
        "sub/local.py",
        "plain.py",
    ]
    for name in names:
        write(project / name, "x.cuda(async=True)\n")
    write(project / "sub" / ".gitignore", "local.py\n")
    code, lines = concise(capsys)
    assert [line.split(":")[0] for line in lines] == [
        "keep.gen.py",
        "plain.py",
        "sub/nested.py",
        "sub/top_only.py",
    ]
    # An explicitly named file is linted even when ignored, as ruff does.
    code, lines = concise(capsys, "m.gen.py")
    assert [line.split(":")[0] for line in lines] == ["m.gen.py"]


def test_gitignore_of_the_repository_applies_when_checking_a_subdirectory(project, capsys):
    (project / ".git").mkdir()
    write(project / ".gitignore", "src/skip.py\n")
    write(project / "src" / "skip.py", "x.cuda(async=True)\n")
    write(project / "src" / "keep.py", "x.cuda(async=True)\n")
    code, lines = concise(capsys, "src")
    assert [line.split(":")[0] for line in lines] == ["src/keep.py"]


def test_exclude_and_extend_exclude(project, capsys):
    for name in ("a.py", "legacy/b.py", "tests/c.py", "build/d.py"):
        write(project / name, "x.cuda(async=True)\n")
    code, lines = concise(capsys, "--extend-exclude", "legacy")
    assert [line.split(":")[0] for line in lines] == ["a.py", "tests/c.py"]
    # `exclude` replaces the defaults, so build/ is walked again (.git never is).
    code, lines = concise(capsys, "--exclude", "tests,legacy")
    assert [line.split(":")[0] for line in lines] == ["a.py", "build/d.py"]
    write(project / "pyproject.toml", '[tool.legacy-variable]\nextend-exclude = ["tests/*.py"]\n')
    code, lines = concise(capsys)
    assert [line.split(":")[0] for line in lines] == ["a.py", "legacy/b.py"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinks_never_leave_the_tree_and_broken_ones_or_loops_are_reported(project, tmp_path_factory, capsys):
    outside = tmp_path_factory.mktemp("outside")
    write(outside / "foreign.py", "x.cuda(async=True)\n")
    write(project / "src" / "real.py", "x.cuda(async=True)\n")
    os.symlink(outside, project / "src" / "out_dir")
    os.symlink(outside / "foreign.py", project / "src" / "out_file.py")
    os.symlink(project / "src" / "real.py", project / "src" / "alias.py")
    os.symlink(project / "missing.py", project / "src" / "broken.py")
    os.symlink(project / "src", project / "src" / "loop")
    code, lines = concise(capsys, "src")
    # alias.py and real.py are one file: linted once, under the name met first.
    assert lines == [
        "src/alias.py:1:8: LV105 [*] `async=` is a SyntaxError since Python 3.7; use `non_blocking=`",
        "src/broken.py:1:1: LV002 file skipped: broken symbolic link",
        "src/loop:1:1: LV002 file skipped: symbolic link loop",
    ]


def test_a_broken_link_is_reported_for_any_linted_kind_of_file_only(project, capsys):
    (project / "src").mkdir()
    for name in ("nb.ipynb", "stub.pyi", "notes.txt"):
        os.symlink(project / "missing", project / "src" / name)
    code, lines = concise(capsys, "src")
    assert code == 1
    assert lines == [
        "src/nb.ipynb:1:1: LV002 file skipped: broken symbolic link",
        "src/stub.pyi:1:1: LV002 file skipped: broken symbolic link",
    ]
    # per-file-ignores reach what discovery reports, as they reach an unreadable file.
    code, lines = concise(capsys, "--per-file-ignores", "src/nb.ipynb:LV002", "src")
    assert lines == ["src/stub.pyi:1:1: LV002 file skipped: broken symbolic link"]


# ------------------------------------------------------------- encodings, line endings


def test_crlf_file_keeps_every_byte_outside_the_fix(project, capsys, fake):
    source = b"import torch\r\n\r\nx = Variable(torch.ones(2))  # a comment\r\ny = 1 \t\r\n"
    write(project / "a.py", source)
    code, out, _ = check(capsys, "--fix", "a.py")
    assert code == 0
    assert (project / "a.py").read_bytes() == source.replace(b"Variable(torch.ones(2))", b"torch.ones(2)")


def test_latin1_cookie_file_round_trips_and_columns_count_characters(project, capsys, fake):
    source = "# -*- coding: latin-1 -*-\nname = 'Müller'; x = Variable(t)\n".encode("latin-1")
    write(project / "a.py", source)
    code, lines = concise(capsys, "a.py")
    assert lines == ["a.py:2:22: LV101 [*] `Variable(...)` is a legacy wrapper"]
    check(capsys, "--fix", "a.py")
    assert (project / "a.py").read_bytes() == "# -*- coding: latin-1 -*-\nname = 'Müller'; x = t\n".encode("latin-1")


def test_bom_is_kept(project, capsys, fake):
    source = "\ufeffx = Variable(t)  # ü\n".encode("utf-8")
    assert source.startswith(b"\xef\xbb\xbf")
    write(project / "a.py", source)
    code, lines = concise(capsys, "a.py")
    assert lines == ["a.py:1:5: LV101 [*] `Variable(...)` is a legacy wrapper"]
    check(capsys, "--fix", "a.py")
    assert (project / "a.py").read_bytes() == "\ufeffx = t  # ü\n".encode("utf-8")


def test_fix_keeps_file_mode(project, capsys):
    path = project / "a.py"
    write(path, "x.cuda(async=True)\n")
    path.chmod(0o751)
    check(capsys, "--fix", "a.py")
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert path.read_text() == "x.cuda(non_blocking=True)\n"
    assert [p.name for p in project.iterdir() if p.name.endswith(".lvtmp")] == []


# ----------------------------------------------------------------------------- fixes


def test_diff_prints_a_unified_diff_and_writes_nothing(project, capsys):
    path = project / "a.py"
    write(path, ASYNC_SOURCE)
    before = path.stat().st_mtime_ns
    code, out, err = check(capsys, "--diff", "a.py")
    assert code == 1
    assert out == (
        "--- a.py\n+++ a.py\n@@ -1,4 +1,4 @@\n import torch\n x = torch.ones(3)\n"
        "-y = x.cuda(async=True)\n-z = x.to('é', async=True)  # keep\n"
        "+y = x.cuda(non_blocking=True)\n+z = x.to('é', non_blocking=True)  # keep\n"
    )
    assert "Would fix 2 errors." in err
    assert path.read_text() == ASYNC_SOURCE and path.stat().st_mtime_ns == before
    write(project / "clean.py", "x = 1\n")
    assert check(capsys, "--diff", "clean.py")[:2] == (0, "")


def test_second_fix_changes_nothing(project, capsys, fake):
    write(project / "a.py", "y = Variable(Variable(x)).cuda(async=True)\nloss.backward(retain_variables=True)\n")
    code, out, _ = check(capsys, "--fix", "--unsafe-fixes", "a.py")
    assert code == 0
    fixed = (project / "a.py").read_bytes()
    assert fixed == b"y = x.cuda(non_blocking=True)\nloss.backward(retain_graph=True)\n"
    assert "Found 4 errors (4 fixed, 0 remaining)." in out
    code, out, _ = check(capsys, "--fix", "--unsafe-fixes", "a.py")
    assert code == 0 and "All checks passed!" in out
    assert (project / "a.py").read_bytes() == fixed


def test_unsafe_fixes_need_the_flag(project, capsys, fake):
    write(project / "a.py", "loss.backward(retain_variables=True)\n")
    code, out, _ = check(capsys, "--fix", "a.py")
    assert code == 1
    assert (project / "a.py").read_text() == "loss.backward(retain_variables=True)\n"
    assert "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)." in out
    write(project / "pyproject.toml", "[tool.legacy-variable]\nunsafe-fixes = true\n")
    code, out, _ = check(capsys, "--fix", "a.py")
    assert code == 0
    assert (project / "a.py").read_text() == "loss.backward(retain_graph=True)\n"


def test_a_fix_whose_result_does_not_parse_is_never_written(project, capsys, monkeypatch):
    from legacy_variable.diagnostics import Diagnostic, Edit, Fix

    def broken_fix(tree, source, path, codes=None, project=None):
        good = Fix((Edit("1", 2, 5, 2, 6),), "safe", "good")
        bad = Fix((Edit("(", 1, 5, 1, 6),), "safe", "breaks the file")
        found = [Diagnostic("LV101", "bad", path, 1, 5, fix=bad)]
        if source.splitlines()[1] == "y = 2":
            found.append(Diagnostic("LV103", "good", path, 2, 5, fix=good))
        return found

    monkeypatch.setattr(checkers, "check_module", broken_fix)
    lint_fake_checker.without_prefilter(monkeypatch)
    write(project / "a.py", "x = 1\ny = 2\n")
    code, lines = concise(capsys, "--fix", "a.py")
    assert (project / "a.py").read_text() == "x = 1\ny = 1\n"  # the good fix still went in
    assert lines == ["a.py:1:5: LV101 [*] bad"]


def test_read_only_directory_leaves_the_original_intact(project, capsys):
    directory = project / "ro"
    write(directory / "a.py", ASYNC_SOURCE)
    directory.chmod(0o555)
    try:
        code, out, err = check(capsys, "--fix", "--output-format", "concise", "ro")
    finally:
        directory.chmod(0o755)
    assert code == 1
    assert "failed to write fixes to ro/a.py: directory is read-only; file left unchanged" in err
    assert (directory / "a.py").read_text() == ASYNC_SOURCE
    assert sorted(p.name for p in directory.iterdir()) == ["a.py"]
    assert out.count("LV105") == 2  # still reported, not counted as fixed


def test_read_only_file_is_not_replaced(project, capsys):
    path = project / "a.py"
    write(path, ASYNC_SOURCE)
    path.chmod(0o444)
    code, out, err = check(capsys, "--fix", "a.py")
    assert code == 1 and "file is read-only" in err
    assert path.read_text() == ASYNC_SOURCE


def test_failed_replace_leaves_original_and_no_temp_file(project, capsys, monkeypatch):
    from legacy_variable.lint import fixer

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fixer.os, "replace", refuse)
    write(project / "a.py", ASYNC_SOURCE)
    code, out, err = check(capsys, "--fix", "a.py")
    assert code == 1 and "No space left on device" in err
    assert (project / "a.py").read_text() == ASYNC_SOURCE
    assert sorted(p.name for p in project.iterdir()) == ["a.py", "pyproject.toml"]


def test_checker_crash_is_an_internal_error_but_other_files_are_reported(project, capsys, monkeypatch):
    def crash(tree, source, path, codes=None, project=None):
        if "boom" in source:
            raise RuntimeError("checker bug")
        return []

    monkeypatch.setattr(checkers, "check_module", crash)
    lint_fake_checker.without_prefilter(monkeypatch)
    write(project / "a.py", "boom = 1\n")
    write(project / "b.py", "x.cuda(async=True)\n")
    code, out, err = check(capsys, "--output-format", "concise")
    assert code == 2
    assert "internal error while checking a.py: RuntimeError: checker bug" in err
    assert "b.py:1:8: LV105" in out


# ----------------------------------------------------------------------------- noqa


@pytest.mark.parametrize(
    "comment, reported",
    [
        ("", True),
        ("  # noqa", False),
        ("  # NOQA", False),
        ("  # noqa:LV101", False),
        ("  # noqa: lv101, LV103", False),
        ("  # noqa: LV1", False),
        ("  # noqa: LV103", True),
        ("  # noqa: E501", True),
        ("  # noqa: E501,LV101", False),
        ("  # noqa : LV101", False),  # malformed code list reads as a blanket noqa (flake8)
    ],
)
def test_inline_noqa(project, capsys, fake, comment, reported):
    write(project / "a.py", f"x = Variable(t){comment}\n")
    code, lines = concise(capsys, "a.py")
    assert bool(lines) == reported


@pytest.mark.parametrize(
    "header, codes",
    [
        ("# legacy-variable: noqa\n", []),
        ("# Legacy-Variable: NOQA\n", []),
        ("# legacy-variable: noqa: LV101\n", ["LV103"]),
        ("# legacy-variable: noqa: LV101, LV103\n", []),
        ("# legacy-variable: noqa: E501\n", ["LV101", "LV103"]),
        ("x = 1  # legacy-variable: noqa\n", ["LV101", "LV103"]),  # must be on its own line
    ],
)
def test_file_level_noqa(project, capsys, fake, header, codes):
    write(project / "a.py", header + "x = Variable(t)\ny = Variable(t, volatile=True)\n")
    code, lines = concise(capsys, "a.py")
    assert [line.split(" ")[1] for line in lines] == codes


def test_syntax_errors_cannot_be_silenced_by_noqa(project, capsys):
    write(project / "a.py", "# legacy-variable: noqa\nprint 'x'  # noqa\n")
    code, lines = concise(capsys, "a.py")
    assert code == 1 and lines[0].startswith("a.py:2:1: LV001")


# ---------------------------------------------------------------------------- config


def test_selection_from_pyproject_and_cli_precedence(project, capsys, fake):
    write(project / "a.py", "x = Variable(t, volatile=True)\ny = Variable(t)\n")
    write(project / "pyproject.toml", '[tool.legacy-variable]\nselect = ["LV103"]\n')
    assert [l.split(" ")[1] for l in concise(capsys)[1]] == ["LV103"]
    assert [l.split(" ")[1] for l in concise(capsys, "--select", "LV101")[1]] == ["LV101"]
    assert [l.split(" ")[1] for l in concise(capsys, "--extend-select", "variable-wrapper")[1]] == ["LV103", "LV101"]
    assert concise(capsys, "--ignore", "LV103") == (0, [])
    write(project / "pyproject.toml", '[tool.legacy-variable]\nignore = ["LV1"]\nextend-select = ["LV101"]\n')
    # The more specific selector wins within a layer.
    assert [l.split(" ")[1] for l in concise(capsys)[1]] == ["LV101"]


def test_per_file_ignores(project, capsys, fake):
    write(project / "tests" / "t.py", "x = Variable(t)\n")
    write(project / "src" / "s.py", "x = Variable(t)\n")
    write(project / "pyproject.toml", '[tool.legacy-variable.per-file-ignores]\n"tests/*" = ["LV101"]\n')
    assert [l.split(":")[0] for l in concise(capsys)[1]] == ["src/s.py"]
    assert concise(capsys, "--per-file-ignores", "src/*:LV1")[1] == []


def test_nearest_pyproject_with_the_table_is_used(project, capsys, fake, monkeypatch):
    write(project / "pyproject.toml", '[tool.legacy-variable]\nignore = ["LV101"]\n')
    write(project / "sub" / "pyproject.toml", "[project]\nname = 'inner'\n")
    write(project / "sub" / "a.py", "x = Variable(t)\n")
    monkeypatch.chdir(project / "sub")
    assert concise(capsys)[1] == []


def test_explicit_config_file_and_inline_override(project, capsys, fake):
    write(project / "a.py", "x = Variable(t)\n")
    write(project / "lv.toml", 'ignore = ["LV101"]\n')
    assert concise(capsys, "--config", "lv.toml")[1] == []
    assert concise(capsys, "--config", 'ignore = ["LV101"]')[1] == []
    assert len(concise(capsys, "--config", "select = ['ALL']")[1]) == 1


@pytest.mark.parametrize(
    "pyproject, message",
    [
        ("[tool.legacy-variable\nselect = 1\n", "invalid TOML in"),
        ('[tool.legacy-variable]\nselect = ["LV999"]\n', "unknown rule selector 'LV999'"),
        ('[tool.legacy-variable]\nselect = ["E501"]\n', "unknown rule selector 'E501'"),
        ('[tool.legacy-variable]\nselct = ["LV1"]\n', "unknown option 'selct'"),
        ('[tool.legacy-variable]\nselect = "LV1"\n', "'select' must be a list of strings"),
        ('[tool.legacy-variable]\noutput-format = "xml"\n', "'output-format' must be one of"),
    ],
)
def test_invalid_config_is_one_line_and_exit_2(project, capsys, pyproject, message):
    write(project / "pyproject.toml", pyproject)
    write(project / "a.py", "x = 1\n")
    code, out, err = check(capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1 and err.startswith("legacy-variable: error: ")


def test_unknown_selector_on_the_command_line_is_exit_2(project, capsys):
    code, out, err = check(capsys, "--select", "LV1,nonsense")
    assert code == 2 and "unknown rule selector 'nonsense'" in err


def test_exit_zero(project, capsys):
    write(project / "a.py", "x.cuda(async=True)\n")
    assert check(capsys, "--exit-zero")[0] == 0


# ----------------------------------------------------------------------------- cache


def test_cache_skips_unchanged_files(project, capsys, fake):
    write(project / "a.py", "x = Variable(t)\n")
    write(project / "b.py", "y = 1\n")
    first = main(["check", "--output-format", "concise"])
    out1 = capsys.readouterr().out
    assert sorted(fake) == ["a.py", "b.py"]
    assert (project / ".legacy_variable_cache" / "CACHEDIR.TAG").exists()
    fake.clear()
    second = main(["check", "--output-format", "concise"])
    assert (second, capsys.readouterr().out) == (first, out1)
    assert fake == []  # nothing re-checked
    write(project / "b.py", "y = Variable(z)\n")
    main(["check", "--output-format", "concise"])
    assert fake == ["b.py"]
    fake.clear()
    main(["check", "--select", "LV101"])  # another selection: another cache
    assert sorted(fake) == ["a.py", "b.py"]
    capsys.readouterr()


def test_no_cache_and_cache_dir(project, capsys, fake):
    write(project / "a.py", "x = 1\n")
    main(["check", "--cache-dir", "elsewhere"])
    assert (project / "elsewhere").is_dir() and not (project / ".legacy_variable_cache").exists()
    fake.clear()
    main(["check", "--no-cache"])
    main(["check", "--no-cache"])
    assert fake == ["a.py", "a.py"]
    capsys.readouterr()


def test_cache_does_not_hide_fixes(project, capsys):
    write(project / "a.py", "x.cuda(async=True)\n")
    main(["check"])
    main(["check", "--fix"])
    assert (project / "a.py").read_text() == "x.cuda(non_blocking=True)\n"
    assert main(["check"]) == 0
    capsys.readouterr()


# -------------------------------------------------------------------------- parallel


def test_many_files_in_a_process_pool_give_the_same_result(project, capsys, fake):
    from legacy_variable.lint import engine

    for i in range(40):
        write(project / f"m{i:02d}.py", f"x{i} = Variable(t).cuda(async=True)\n")
    assert engine.worker_count(40) >= 1
    code, lines = concise(capsys, "--fix")
    assert code == 0 and lines == []
    assert all(
        (project / f"m{i:02d}.py").read_text() == f"x{i} = t.cuda(non_blocking=True)\n" for i in range(40)
    )


@pytest.mark.parametrize(
    "source",
    [
        "x.cuda(async=True)\n",
        "x = f(a,\n      async=True)\n",
        "x = f(a, async = True, b=async_flag)\n",
        "x.cuda(async=True)  # y.cuda(async=True) in a comment\n",
        "x.cuda(async=True)\ns = 'f(async=True)'\n",
        "x = f(a, # why\n      async=True)\n",
        "x = f(a, \\\n      async=True)\n",
        "é = 'é'; x.cuda(async=True); y.cuda(async=False)\n",
        "def f(async=False):\n    return g(async=async)\n",
    ],
)
def test_quick_async_pass_agrees_with_the_tokenizer(source):
    """The regex fast path either finds exactly what the tokenizer finds, or steps aside."""
    from legacy_variable.lint import async_fix, engine

    by_tokens = async_fix.find_async_keywords(source, "a.py")
    quick = async_fix.quick_async_keywords(source, "a.py")
    if quick is not None:
        assert quick[0] == by_tokens
    found, parses = engine.raw_diagnostics(source, "a.py")
    assert [d for d in found if d.code == "LV105"] == by_tokens
    assert not parses


def test_async_in_strings_and_comments_is_left_alone(project, capsys):
    source = "x.cuda(async=True)  # or y.cuda(async=True)\ns = 'f(async=True)'\n"
    write(project / "a.py", source)
    code, lines = concise(capsys, "a.py")
    assert [line.split(" ")[0] for line in lines] == ["a.py:1:8:"]
    check(capsys, "--fix", "a.py")
    assert (project / "a.py").read_text() == source.replace("async", "non_blocking", 1)


def test_noqa_code_list_ends_with_its_line(project, capsys, fake):
    write(project / "a.py", "x = Variable(t)  # noqa:\nLV103 = Variable(t)  # noqa: LV103\n")
    code, lines = concise(capsys, "a.py")
    assert lines == ["a.py:2:9: LV101 [*] `Variable(...)` is a legacy wrapper"]


def test_noqa_on_crlf_file(project, capsys, fake):
    write(project / "a.py", b"x = 1\r\ny = Variable(t)  # noqa: LV101\r\nz = Variable(t)\r\n")
    assert concise(capsys, "a.py")[1] == ["a.py:3:5: LV101 [*] `Variable(...)` is a legacy wrapper"]


@pytest.mark.parametrize(
    "pattern, path, is_dir, ignored",
    [
        ("*.pyc", "a/b/c.pyc", False, True),
        ("/build", "build", True, True),
        ("/build", "src/build", True, False),
        ("logs/", "logs", False, False),
        ("logs/", "a/logs", True, True),
        ("doc/*.py", "doc/x.py", False, True),
        ("doc/*.py", "doc/sub/x.py", False, False),
        ("a/**/b.py", "a/b.py", False, True),
        ("a/**/b.py", "a/x/y/b.py", False, True),
        ("**/gen", "deep/er/gen", True, True),
        ("out/**", "out/x/y.py", False, True),
        ("data[0-9].py", "data7.py", False, True),
        ("data[!0-9].py", "data7.py", False, False),
        ("\\#hash.py", "#hash.py", False, True),
        ("x?.py", "xy.py", False, True),
        ("x?.py", "x/.py", False, False),
    ],
)
def test_gitignore_patterns(tmp_path, pattern, path, is_dir, ignored):
    from legacy_variable.lint.files import IgnoreScope, _ignored, parse_gitignore

    scope = IgnoreScope(str(tmp_path), parse_gitignore(pattern + "\n"))
    assert _ignored([scope], str(tmp_path / path), is_dir) is ignored


def test_edits_are_spliced_by_character_position_with_any_line_ending():
    from legacy_variable.diagnostics import Edit
    from legacy_variable.lint.fixer import apply_edits

    text = "é = 1\r\nb = 2\rc = 3\n"
    edits = [Edit("x", 1, 1, 1, 2), Edit("", 2, 6, 3, 1), Edit("!", 4, 1, 4, 1)]
    assert apply_edits(text, edits) == "x = 1\r\nb = 2c = 3\n!"


def test_fix_rounds_are_capped_when_fixes_undo_each_other(monkeypatch):
    from legacy_variable.diagnostics import Diagnostic, Edit, Fix
    from legacy_variable.lint import fixer

    def flip(text):
        other = "b" if text.startswith("a") else "a"
        fix = Fix((Edit(other, 1, 1, 1, 2),), "safe", "flip")
        return fixer.Analysis([Diagnostic("LV101", "flip", "x.py", 1, 1, fix=fix)], True)

    outcome = fixer.fix_to_fixed_point("a = 1\n", flip, lambda d: True)
    assert outcome.fixed == {"LV101": fixer.MAX_ROUNDS}
