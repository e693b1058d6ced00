"""Torch-warning capture: a missing private hook degrades to "not captured"; user filters
placed in front of legacy mode's do not turn torch's legacy warnings into errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import pytest
import torch

from legacy_variable import collecting, legacy_mode
from legacy_variable.runtime.mode import torch_warnings


def test_without_the_private_hook_torch_warnings_pass_through(monkeypatch, capfd):
    monkeypatch.delattr(warnings, "_showwarnmsg")
    with collecting() as found, legacy_mode(), warnings.catch_warnings():
        warnings.simplefilter("always")
        assert not torch_warnings.capturing()
        torch.range(0, 3)
    assert not hasattr(warnings, "_showwarnmsg")  # nothing was put back that was not there
    assert [d.code for d in found.diagnostics] == []
    # the interpreter's own fallback printed torch's warning, unchanged
    assert "UserWarning: torch.range is deprecated" in capfd.readouterr().err


def test_the_hook_is_used_and_removed():
    original = warnings._showwarnmsg
    with legacy_mode():
        assert torch_warnings.capturing()
        assert warnings._showwarnmsg is not original
    assert warnings._showwarnmsg is original and not torch_warnings.capturing()


def test_a_user_error_filter_added_during_the_mode_is_overtaken_by_keep_first():
    with collecting() as found, legacy_mode(), warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        with pytest.raises(UserWarning):
            torch.range(0, 3)
        torch_warnings.keep_first()
        torch.range(0, 3)  # re-reported as LV118, a DeprecationWarning: not an error
    assert [d.code for d in found.diagnostics] == ["LV118"]
    filters_left = [f for f in warnings.filters if f[1] is not None and "torch" in f[1].pattern]
    assert filters_left == []


SCRIPT = """
import torch
x = torch.range(0, 3)
print("survived", x.tolist())
"""


def test_run_with_error_userwarning_on_the_command_line(tmp_path):
    script = tmp_path / "legacy_range.py"
    script.write_text(textwrap.dedent(SCRIPT))
    out = subprocess.run(
        [sys.executable, "-W", "error::UserWarning", "-m", "legacy_variable", "run", str(script)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "survived [0.0, 1.0, 2.0, 3.0]" in out.stdout
    assert "LV118" in out.stderr
