"""Shared pytest configuration.

Hypothesis profiles for the property-based tests, selected by ``HYPOTHESIS_PROFILE``:

* ``ci`` (default): a fixed example budget, no deadline (shared, loaded CI cores), and
  ``derandomize=True`` so a CI run is deterministic and a failure reproduces exactly.
* ``dev``: many more random examples, for hunting locally
  (``HYPOTHESIS_PROFILE=dev pytest tests/test_runtime_differential.py``).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# Fixtures for the engine tests (test_lint_engine.py, test_lint_cache.py); a test file
# that needs a different project layout defines its own ``project``, which takes precedence.


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project directory as the working directory (with its own pyproject)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    return tmp_path


@pytest.fixture
def fake(monkeypatch):
    """The real checkers replaced by the test double; returns the list of checked paths."""
    import lint_fake_checker
    from legacy_variable.lint import checkers

    lint_fake_checker.calls.clear()
    monkeypatch.setattr(checkers, "check_module", lint_fake_checker.fake_check_module)
    lint_fake_checker.without_prefilter(monkeypatch)
    return lint_fake_checker.calls
