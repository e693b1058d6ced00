"""ARCHITECTURE.md names real modules: a moved or renamed module fails here until the map
is updated in the same change."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "legacy_variable"
DOC = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")

# `name.py` and `folder/` spans, as the page writes module paths
_MODULE = re.compile(r"`((?:[a-z_0-9]+/)*[a-z_0-9]+(?:\.py|/))`")


def _exists(name: str) -> bool:
    # Paths are written relative to the package, to lint/, to runtime/ or to the root.
    bases = (PACKAGE, PACKAGE / "lint", PACKAGE / "lint" / "checkers", PACKAGE / "runtime", ROOT)
    return any((base / name).exists() for base in bases)


def test_every_module_the_map_names_exists():
    named = set(_MODULE.findall(DOC))
    assert len(named) > 25  # the pattern still finds the map's paths
    missing = sorted(name for name in named if not _exists(name))
    assert missing == []


def test_every_runtime_layer_is_on_the_map():
    runtime = PACKAGE / "runtime"
    modules = {p.stem for p in runtime.glob("*.py") if p.stem != "__init__"}
    modules |= {p.name for p in runtime.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert sorted(m for m in modules if f"`{m}`" not in DOC and f"`{m}/`" not in DOC) == []
