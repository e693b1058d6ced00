"""The runtime package's layering (legacy_variable/runtime/__init__.py), checked on the
source: every import -- function-level ones included -- goes down the layer order, no
module reaches a sibling through ``sys.modules``, no private name crosses a module, and
the runtime core never imports the linter."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "legacy_variable"

#: Module (or sub-package) -> layer. A module may import its own layer or lower ones;
#: within a layer the sub-package's modules import each other one way (checked below).
LAYERS = {
    "legacy_variable.runtime": 0,
    "legacy_variable.runtime.emission": 0,
    "legacy_variable.runtime.frames": 1,
    "legacy_variable.runtime.weakids": 1,
    "legacy_variable.runtime.patching": 1,
    "legacy_variable.runtime.slots": 1,
    "legacy_variable.runtime.shim": 2,
    "legacy_variable.runtime.patches": 3,
    "legacy_variable.runtime.mode": 4,
    "legacy_variable.runtime.installation": 5,
    "legacy_variable.runtime.evidence": 5,
    "legacy_variable.runtime.run": 6,
}
CORE = ("emission", "frames", "weakids", "patching", "shim", "patches", "mode", "installation")


def _modules() -> dict[str, Path]:
    found = {}
    for path in (PACKAGE / "runtime").rglob("*.py"):
        dotted = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        found[dotted.removesuffix(".__init__")] = path
    return found


def _layer(module: str) -> int | None:
    while module:
        if module in LAYERS:
            return LAYERS[module]
        module = module.rpartition(".")[0]
    return None


def _imports(module: str, path: Path) -> list[tuple[str, list[str]]]:
    """(imported module, names) for every import statement, anywhere in the file."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    result = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            result.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            result.append((target, [alias.name for alias in node.names]))
    return result


MODULES = _modules()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down_the_layers(module: str) -> None:
    own = _layer(module)
    for target, names in _imports(module, MODULES[module]):
        candidates = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES] or [target]
        for imported in candidates:
            layer = _layer(imported)
            if layer is not None:
                assert layer <= own, f"{module} imports {imported} from a higher layer"


def test_no_cycle_inside_the_runtime() -> None:
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for target, names in _imports(module, path):
            for imported in [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES] or [target]:
                if imported in MODULES and imported != module:
                    edges[module].add(imported)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in edges[start]:
            if nxt == goal or (nxt not in seen and not seen.add(nxt) and reaches(nxt, goal, seen)):
                return True
        return False

    cyclic = [m for m in MODULES if reaches(m, m, set())]
    assert cyclic == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_names_or_sys_modules_across_modules(module: str) -> None:
    source = MODULES[module].read_text(encoding="utf-8")
    for target, names in _imports(module, MODULES[module]):
        if target.startswith("legacy_variable"):
            private = [n for n in names if n.startswith("_") and n != "__version__"]
            assert not private, f"{module} imports private {private} from {target}"
    assert "sys.modules.get(\"legacy_variable" not in source
    assert "sys.modules[\"legacy_variable" not in source


CORE_MODULES = sorted(m for m in MODULES if m.split(".")[2:3] and m.split(".")[2] in CORE)


@pytest.mark.parametrize("module", CORE_MODULES)
def test_runtime_core_never_imports_the_linter(module: str) -> None:
    for target, names in _imports(module, MODULES[module]):
        assert not target.startswith("legacy_variable.lint"), module
        assert not (target == "legacy_variable" and "lint" in names), module
        assert target not in ("legacy_variable.tally", "legacy_variable.report"), module
