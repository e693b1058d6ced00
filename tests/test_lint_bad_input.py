"""Bad input never stops a run (issue 7, item 3).

Each case puts a normal legacy file beside the bad one and asserts: the bad file gets one
clear one-line diagnostic (or the run exits 2 for bad configuration), the legacy
neighbour is still reported (and fixed under --fix), and nothing is half-written.
Cases already pinned in test_lint_engine.py (undecodable bytes and NUL bytes at the top
of a file, broken links and loops met while walking a directory, a read-only file or
directory on its own, invalid TOML and unknown selectors in ``select``) are not repeated.
"""

from __future__ import annotations

import os
import re
import time

import pytest

from legacy_variable.cli import main
from legacy_variable.lint import files, source

LEGACY = "import torch\nfrom torch.autograd import Variable\nx = Variable(torch.randn(3))\n"
LEGACY_FIXED = "import torch\nx = torch.randn(3)\n"
NEIGHBOUR_LINES = [
    "good.py:2:28: LV102 [*] `Variable` import is a legacy no-op; tensors are Variables since PyTorch 0.4",
    "good.py:3:5: LV101 [*] `Variable(...)` is a legacy wrapper: on modern PyTorch it returns a "
    "detached tensor; use the tensor itself",
]


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "good.py").write_text(LEGACY)
    return tmp_path


def run(capsys, *args: str) -> tuple[int, list[str], str]:
    code = main(["check", "--no-cache", "--output-format", "concise", "-q", *args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def neighbour_reported(lines: list[str]) -> bool:
    """The legacy neighbour's two findings are there (the fixable marker aside)."""
    plain = [line.replace(" [*]", "").replace(" [-]", "") for line in lines]
    return all(expected.replace(" [*]", "") in plain for expected in NEIGHBOUR_LINES)


def others(lines: list[str]) -> list[str]:
    return [line for line in lines if not line.startswith("good.py:")]


# ------------------------------------------------------------------- bytes in the file


def test_undecodable_byte_deep_in_the_file(project, capsys):
    # Past the first 8 KB, where the encoding is sniffed: the whole file must still decode.
    data = b"import torch\n" + b"x = 1\n" * 3000 + b"name = '\xff'\n"
    (project / "bad.py").write_bytes(data)
    code, lines, err = run(capsys, "--fix", ".")
    assert code == 1 and err == ""
    assert others(lines) == ["bad.py:1:1: LV002 file skipped: cannot decode as utf-8: invalid start byte"]
    assert (project / "bad.py").read_bytes() == data
    assert (project / "good.py").read_text() == LEGACY_FIXED


def test_nul_byte_past_the_binary_sniff(project, capsys):
    data = b"import torch\nfrom torch.autograd import Variable\n" + b"x = 1\n" * 3000 + b"y = '\0'\n"
    (project / "nul.py").write_bytes(data)
    code, lines, err = run(capsys, "--fix", "--unsafe-fixes", ".")
    assert code == 1 and err == ""
    (line,) = others(lines)
    # Past the sniff the parser meets it: one syntax diagnostic, whatever its wording.
    assert line.startswith("nul.py:1:1: LV00") and re.search(r"\bnull? bytes", line.lower())
    assert (project / "nul.py").read_bytes() == data
    assert (project / "good.py").read_text() == LEGACY_FIXED


def test_ten_megabyte_file_finishes_with_every_finding(project, capsys):
    # Shaped like a generated module: code between long data literals.
    body = "def step_{n}(model, x):\n    y = model(x) * {n}\n    return y.sum()\n\n\n"
    data = "BLOB_{n} = '" + "0123456789abcdef" * 60 + "'  # generated\n"
    legacy = "loss_{n} = torch.nn.functional.sigmoid(torch.randn(3))\n"
    parts = ["import torch\n"]
    size, n = 0, 0
    while size < 10_000_000:
        piece = (legacy if n % 2000 == 0 else body if n % 3 else data).format(n=n)
        parts.append(piece)
        size += len(piece)
        n += 1
    (project / "big.py").write_text("".join(parts))
    expected_rows = []
    row = 2
    for piece in parts[1:]:
        if piece.startswith("loss_"):
            expected_rows.append(row)
        row += piece.count("\n")
    started = time.monotonic()
    code, lines, err = run(capsys, ".")
    elapsed = time.monotonic() - started
    assert code == 1 and err == ""
    rows = [int(line.split(":")[1]) for line in others(lines)]
    assert rows == expected_rows and all("LV115" in line for line in others(lines))
    assert neighbour_reported(lines)
    # Generous: about 5 s on an idle core; shared CI cores are much slower.
    assert len(rows) > 10
    assert elapsed < 120, elapsed


def _deep_chain(depth: int) -> str:
    return "import torch\nfrom torch.autograd import Variable\ntotal = " + " + ".join(["Variable(a)"] * depth) + "\n"


@pytest.mark.parametrize(
    "name, text",
    [
        ("parens", "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"),
        ("chain", _deep_chain(20000)),
        ("attributes", "import torch\nx = torch" + ".b" * 20000 + "\n"),
    ],
)
def test_nesting_too_deep_for_the_parser(project, capsys, name, text):
    (project / f"{name}.py").write_text(text)
    code, lines, err = run(capsys, "--fix", ".")
    assert code == 1 and err == ""
    (line,) = others(lines)
    assert line.startswith(f"{name}.py:1:") and "LV001 file does not parse:" in line
    assert (project / f"{name}.py").read_text() == text
    assert (project / "good.py").read_text() == LEGACY_FIXED


@pytest.mark.parametrize(
    "name, text",
    [
        # These parse (the parser's limits are higher) but are deeper than Python's
        # recursion limit lets a recursive walk of the tree go.
        ("chain", _deep_chain(1500)),
        ("calls", "import torch\nx = torch.autograd.Variable" + "(a)" * 1500 + "\n"),
        ("lambdas", "import torch\nx = " + "lambda: " * 1500 + "torch.autograd.Variable(a)\n"),
        ("subscripts", "import torch\nx = a" + ".data[0]" * 1200 + "\n"),
    ],
)
def test_nesting_that_parses_but_is_too_deep_to_walk(project, capsys, name, text):
    import ast

    ast.parse(text)
    (project / f"{name}.py").write_text(text)
    code, lines, err = run(capsys, "--fix", ".")
    assert err == "", err  # not an internal error
    assert code == 1
    (line,) = others(lines)
    assert line == f"{name}.py:1:1: LV002 file skipped: too deeply nested to check"
    assert (project / f"{name}.py").read_text() == text
    assert (project / "good.py").read_text() == LEGACY_FIXED


# --------------------------------------------------------------- the file system


def test_unreadable_file_by_permissions(project, capsys):
    path = project / "secret.py"
    path.write_text(LEGACY)
    path.chmod(0o000)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root (or with CAP_DAC_OVERRIDE): mode 000 does not stop reads; "
                        "test_unreadable_file_simulated covers the same path")
        code, lines, err = run(capsys, ".")
    finally:
        path.chmod(0o644)
    assert code == 1
    assert others(lines) == ["secret.py:1:1: LV002 file skipped: Permission denied"]
    assert neighbour_reported(lines)


@pytest.mark.parametrize("cache", [False, True])
def test_unreadable_file_simulated(project, capsys, monkeypatch, cache):
    (project / "secret.py").write_text(LEGACY)
    real_open = os.open

    def guarded_open(path, *args, **kwargs):
        if os.path.basename(os.fspath(path)) == "secret.py":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    # The one reader (source.read_bytes, also the cache lookup's) opens with os.open, so
    # that a FIFO never blocks it.
    monkeypatch.setattr(os, "open", guarded_open)
    args = ["check", "--output-format", "concise", "-q", "--fix", "."]
    if not cache:
        args.insert(1, "--no-cache")
    code = main(args)
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert code == 1 and captured.err == ""
    assert others(lines) == ["secret.py:1:1: LV002 file skipped: Permission denied"]
    assert (project / "secret.py").read_text() == LEGACY
    assert (project / "good.py").read_text() == LEGACY_FIXED


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_broken_link_and_loop_named_on_the_command_line(project, capsys):
    os.symlink(project / "missing.py", project / "broken.py")
    os.symlink(project / "loop.py", project / "loop.py")
    code, lines, err = run(capsys, "broken.py", "loop.py", "good.py")
    assert code == 1 and err == ""
    assert others(lines) == [
        "broken.py:1:1: LV002 file skipped: broken symbolic link",
        "loop.py:1:1: LV002 file skipped: Too many levels of symbolic links",
    ]
    assert neighbour_reported(lines)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_link_loop_to_a_file_inside_a_walked_directory(project, capsys):
    (project / "pkg").mkdir()
    os.symlink("b.py", project / "pkg" / "a.py")
    os.symlink("a.py", project / "pkg" / "b.py")
    code, lines, err = run(capsys, ".")
    assert code == 1 and err == ""
    assert others(lines) == [
        "pkg/a.py:1:1: LV002 file skipped: symbolic link loop",
        "pkg/b.py:1:1: LV002 file skipped: symbolic link loop",
    ]
    assert neighbour_reported(lines)


def test_directory_named_like_a_module(project, capsys):
    (project / "x.py").mkdir()
    (project / "x.py" / "inner.py").write_text("import torch\ny = torch.range(0, 3)\n")
    # Walked as a directory, whether found by the walk or named on the command line.
    for args in ((".",), ("x.py", "good.py")):
        code, lines, err = run(capsys, *args)
        assert code == 1 and err == ""
        assert [line.split(" ")[:2] for line in others(lines)] == [["x.py/inner.py:2:5:", "LV118"]]
        assert neighbour_reported(lines)


def test_directory_named_like_a_module_given_to_the_reader(project, capsys):
    # The engine's own guard, for a path that turned into a directory after discovery.
    from legacy_variable.lint.engine import Options, process_file
    from legacy_variable.lint.config import Layer, resolve

    (project / "pkg.py").mkdir()
    settings = resolve(Layer(), ["."], None, str(project))
    report = process_file(str(project / "pkg.py"), "pkg.py", "pkg.py", Options(settings))
    assert [(d.code, d.message) for d in report.diagnostics] == [("LV002", "file skipped: is a directory")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("cache", [False, True])
def test_fifo_socket_and_device_are_skipped_never_opened(project, capsys, cache):
    import socket

    os.mkfifo(project / "pipe.py")  # opening it for reading would block forever
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind("sock.py")  # relative: AF_UNIX paths are short
        args = ["--fix", "."] if not cache else ["--fix", "--cache-dir", ".c", "."]
        code = main(["check", "--output-format", "concise", "-q", *([] if cache else ["--no-cache"]), *args])
        lines = capsys.readouterr().out.splitlines()
        assert code == 1
        assert others(lines) == [
            "pipe.py:1:1: LV002 file skipped: not a regular file",
            "sock.py:1:1: LV002 file skipped: not a regular file",
        ]
        assert (project / "good.py").read_text() == LEGACY_FIXED
        # Named on the command line: the same, and a character device too.
        code, lines, err = run(capsys, "pipe.py", "sock.py", os.devnull)
        assert code == 1 and err == ""
        assert sorted(lines) == sorted([
            "pipe.py:1:1: LV002 file skipped: not a regular file",
            "sock.py:1:1: LV002 file skipped: not a regular file",
            f"{os.devnull}:1:1: LV002 file skipped: not a regular file",
        ])
    finally:
        server.close()


def test_fifo_that_appears_after_discovery_is_not_read(project, capsys, monkeypatch):
    # The reader's own guard (opened without blocking, then fstat): a file replaced by a
    # FIFO between the walk and the read.
    (project / "late.py").write_text(LEGACY)
    discover = files.discover

    def discover_then_replace(*args, **kwargs):
        found = discover(*args, **kwargs)
        os.unlink(project / "late.py")
        os.mkfifo(project / "late.py")
        return found

    monkeypatch.setattr(files, "discover", discover_then_replace)
    code, lines, err = run(capsys, ".")
    assert code == 1 and err == ""
    assert others(lines) == ["late.py:1:1: LV002 file skipped: not a regular file"]


@pytest.mark.parametrize("cache", [False, True])
def test_file_removed_between_discovery_and_read(project, capsys, monkeypatch, cache):
    (project / "gone.py").write_text(LEGACY)
    discover = files.discover

    def discover_then_delete(*args, **kwargs):
        found = discover(*args, **kwargs)
        os.unlink(project / "gone.py")
        return found

    monkeypatch.setattr(files, "discover", discover_then_delete)
    args = ["check", "--output-format", "concise", "-q", "--fix", "."]
    if not cache:
        args.insert(1, "--no-cache")
    code = main(args)
    captured = capsys.readouterr()
    assert code == 1 and captured.err == ""
    lines = captured.out.splitlines()
    assert others(lines) == ["gone.py:1:1: LV002 file skipped: No such file or directory"]
    assert not (project / "gone.py").exists()  # not recreated by the fix
    assert (project / "good.py").read_text() == LEGACY_FIXED


def test_read_only_file_beside_a_writable_one_under_fix(project, capsys):
    path = project / "locked.py"
    path.write_text(LEGACY)
    path.chmod(0o444)
    try:
        code, lines, err = run(capsys, "--fix", ".")
    finally:
        path.chmod(0o644)
    assert code == 1
    assert err.splitlines() == [
        "legacy-variable: error: failed to write fixes to locked.py: file is read-only; file left unchanged"
    ]
    assert path.read_text() == LEGACY
    assert (project / "good.py").read_text() == LEGACY_FIXED
    assert sorted(p.name for p in project.iterdir()) == ["good.py", "locked.py", "pyproject.toml"]
    assert any(line.startswith("locked.py:3:5: LV101") for line in lines)


# ---------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    "pyproject, message",
    [
        (b"[tool.legacy-variable]\nselect = ['LV1']\nname = '\xff'\n", "invalid TOML in"),
        (b"[tool.legacy-variable]\nper-file-ignores = { 'a.py' = ['LV777'] }\n",
         "unknown rule selector 'LV777'"),
        (b"[tool.legacy-variable]\nextend-select = ['LV1', 'nonsense']\n", "unknown rule selector 'nonsense'"),
        (b"[tool.legacy-variable]\nignore = ['LV10x']\n", "unknown rule selector 'LV10x'"),
        (b"[tool.legacy-variable]\nper-file-ignores = ['a.py']\n", "'per-file-ignores' must map globs"),
        (b"[tool.legacy-variable]\nunsafe-fixes = 'yes'\n", "'unsafe-fixes' must be true or false"),
    ],
)
def test_bad_configuration_is_exit_2_in_one_line_and_writes_nothing(project, capsys, pyproject, message):
    (project / "pyproject.toml").write_bytes(pyproject)
    code, lines, err = run(capsys, "--fix", ".")
    assert code == 2 and lines == []
    assert err.count("\n") == 1 and err.startswith("legacy-variable: error: ") and message in err
    assert (project / "good.py").read_text() == LEGACY


def test_unknown_code_in_per_file_ignores_on_the_command_line(project, capsys):
    code, lines, err = run(capsys, "--per-file-ignores", "good.py:LV999", ".")
    assert code == 2 and err.count("\n") == 1 and "LV999" in err


def test_broken_pyproject_without_our_table_is_not_our_configuration(project, capsys):
    # Another tool's broken file is no reason to fail: only the table is ours to read.
    (project / "pyproject.toml").write_text("[project\nname = \n")
    code, lines, err = run(capsys, ".")
    assert code == 1 and err == ""
    assert neighbour_reported(lines)


def test_unknown_codes_in_noqa_suppress_nothing_and_the_run_goes_on(project, capsys):
    (project / "marked.py").write_text(
        "# legacy-variable: noqa: XYZ123\n"
        "import torch\n"
        "a = torch.range(0, 3)  # noqa: LV999\n"
        "b = torch.range(0, 3)  # noqa:XYZ1\n"
        "c = torch.range(0, 3)  # noqa: LV118\n"
    )
    code, lines, err = run(capsys, ".")
    assert code == 1 and err == ""
    assert [line.split(" ")[:2] for line in others(lines)] == [
        ["marked.py:3:5:", "LV118"],
        ["marked.py:4:5:", "LV118"],
    ]
    assert neighbour_reported(lines)
