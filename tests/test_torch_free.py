"""Without torch: the package, the catalog, diagnostics and the linter import and work (a
lint-only install); the runtime face says in one line what it needs."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# `sys.modules["torch"] = None` makes every `import torch` raise ImportError, as on a
# machine where torch is not installed.
BLOCK_TORCH = "import sys\nsys.modules['torch'] = None\n"


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BLOCK_TORCH + textwrap.dedent(code)],
        capture_output=True, text=True, timeout=120,
    )


def test_package_catalog_diagnostics_and_linter_import_without_torch() -> None:
    result = _python(
        """
        import legacy_variable, legacy_variable.rules, legacy_variable.diagnostics
        import legacy_variable.lint, legacy_variable.lint.engine
        import legacy_variable.tally, legacy_variable.report, legacy_variable.summary
        from legacy_variable import LegacyVariableWarning, configure, collecting
        from legacy_variable.rules import Code
        assert issubclass(LegacyVariableWarning, DeprecationWarning)
        assert configure("always") == "once" and configure() == "always"
        from legacy_variable.cli import main
        print(main(["explain", Code.SCALAR_DATA_INDEX]), sorted(
            m for m in sys.modules if m.startswith("legacy_variable.runtime.")))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "0 ['legacy_variable.runtime.emission']"


def test_runtime_names_say_what_they_need() -> None:
    result = _python(
        """
        import legacy_variable
        for name in ("Variable", "install", "legacy_mode", "trust_pickles"):
            try:
                getattr(legacy_variable, name)
            except ImportError as exc:
                print(name, exc)
        try:
            from legacy_variable import Variable
        except ImportError as exc:
            print("from-import", exc)
        """
    )
    assert result.returncode == 0, result.stderr
    need = ("legacy_variable's runtime face needs PyTorch: "
            "pip install 'legacy-variable[runtime]' (or install torch)")
    assert result.stdout.splitlines() == [
        f"{name} {need}" for name in ("Variable", "install", "legacy_mode", "trust_pickles",
                                      "from-import")
    ]


def test_check_runs_without_torch(tmp_path) -> None:
    (tmp_path / "a.py").write_text("import torch\nloss = torch.ones(3).sum()\nprint(loss.data[0])\n")
    result = _python(
        f"""
        from legacy_variable.cli import main
        sys.exit(main(["check", "--no-cache", "--output-format", "concise", {str(tmp_path / "a.py")!r}]))
        """
    )
    assert result.returncode == 1, result.stderr
    assert ":3:7: LV104 " in result.stdout
