"""legacy_variable: run, understand and migrate torch.autograd.Variable-era PyTorch code.

The runtime face (``Variable``, ``install``) imports torch lazily, so that
``legacy_variable.lint`` and the CLI's ``check`` work where torch is absent and start fast.
"""

from __future__ import annotations

from .diagnostics import (
    Collector,
    Diagnostic,
    Edit,
    Fix,
    LegacyVariableWarning,
    collecting,
    configure,
)
from .rules import RULES, Rule

__version__ = "0.1.0"

_RUNTIME = {
    "Variable": "variable",
    "install": "variable",
    "uninstall": "variable",
    "installed": "variable",
    "is_installed": "variable",
    "legacy_mode": "mode",
    "trust_pickles": "legacy_compat",
}

__all__ = [
    "Collector",
    "Diagnostic",
    "Edit",
    "Fix",
    "LegacyVariableWarning",
    "RULES",
    "Rule",
    "collecting",
    "configure",
    "__version__",
    *_RUNTIME,
]


def __getattr__(name: str):
    module_name = _RUNTIME.get(name)
    if module_name is None:
        raise AttributeError(f"module 'legacy_variable' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(f".{module_name}", __name__)
    value = getattr(module, name)
    globals()[name] = value
    return value
