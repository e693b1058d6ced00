"""legacy_variable: run, understand and migrate torch.autograd.Variable-era PyTorch code.

Importing this package (and ``rules``, ``diagnostics``, ``lint``) never imports torch, so
the linter and the CLI's ``check`` work where torch is absent and start fast. The runtime
face (``Variable``, ``install``, ``legacy_mode``...) loads on first use and needs torch.
See ARCHITECTURE.md for the map of the package.
"""

from __future__ import annotations

from .diagnostics import Diagnostic, Edit, Fix
from .rules import RULES, Rule

__version__ = "0.1.0"

#: Torch-free runtime names, loaded on first use too: the linter's start-up (and a
#: lint-only install) never pays for the warning machinery.
_EMISSION = {
    "Collector": "runtime.emission",
    "LegacyVariableWarning": "runtime.emission",
    "collecting": "runtime.emission",
    "configure": "runtime.emission",
}

#: Runtime names loaded on first use: name -> module (inside this package) defining it.
_RUNTIME = {
    "Variable": "runtime.shim",
    "is_installed": "runtime.shim",
    "install": "runtime.installation",
    "uninstall": "runtime.installation",
    "installed": "runtime.installation",
    "legacy_mode": "runtime.mode",
    "trust_pickles": "runtime.patches.trusted_load",
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
    if module_name is not None:
        from .runtime import require_torch

        require_torch()
    else:
        module_name = _EMISSION.get(name)
        if module_name is None:
            raise AttributeError(f"module 'legacy_variable' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(f".{module_name}", __name__)
    value = getattr(module, name)
    globals()[name] = value
    return value
