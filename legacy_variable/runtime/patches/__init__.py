"""Legacy mode, continued: the 0.3 idioms real scripts hit beyond ``Variable``, one
module per concern. Printing (LV123) is left alone: the linter reports it.

Applied by ``mode.activation`` through its ``Patches``, so they live exactly as long as
legacy mode and are restored to the identical original objects with it. Each one costs
only where the legacy idiom is: its stock path runs first, or it replaces a call that
stock torch always refuses.
"""

from __future__ import annotations

from . import dataset_keywords, dot, function_adapter, loss_targets, trusted_load

_CONCERNS = (function_adapter, dataset_keywords, dot, loss_targets, trusted_load)

#: Every attribute these modules replace while legacy mode is on: (owner, name).
PATCHED = [(owner, name) for concern in _CONCERNS for owner, name, _ in concern.REPLACEMENTS]


def apply(patches) -> None:
    """Install every concern's replacements through ``patches`` (a ``Patches``)."""
    dot.register_for_torchscript()
    for concern in _CONCERNS:
        for owner, name, replacement in concern.REPLACEMENTS:
            patches.set(owner, name, replacement)


def clear() -> None:
    """Forget per-run state when legacy mode ends (``Patches`` restores the attributes)."""
    loss_targets.clear()
