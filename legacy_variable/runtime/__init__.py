"""The runtime face: the ``Variable`` shim, legacy mode and its patches, ``run``.

Layers, each importing only the ones before it (no cycle, function-level imports
included; tests/test_runtime_layers.py checks it):

1. ``emission``   -- warning class, policy (``configure``), user-frame search, collectors,
   ``emit``. No torch: warning filters and ``configure`` work without it.
2. ``frames``, ``weakids``, ``patching``, ``slots`` -- shared helpers: frame records and name lookup,
   an identity map holding tensors weakly, reversible attribute patches, and keeping
   CPython's sequence slot of ``torch.Tensor`` as it was under a patched ``__getitem__``.
3. ``shim``       -- ``Variable`` and putting it behind ``torch.autograd.Variable``. It
   knows nothing of the mode: the mode registers with ``shim.set_mode_hook``.
4. ``patches``    -- 0.3 idioms beyond ``Variable`` (legacy ``Function`` instances,
   ``TensorDataset`` keywords, ``dot``, loss targets, ``torch.load`` trust), one module
   per concern, applied by the mode through ``patching.Patches``.
5. ``mode``       -- legacy mode, one module per concern; ``mode.activation`` is the one
   that turns everything on and off.
6. ``installation`` -- ``install(mode=...)``/``uninstall``/``installed``: the shim and the
   mode together, the public entry points.
7. ``run``        -- ``legacy-variable run``.

This ``__init__`` imports nothing, so the torch-free ``emission`` can be imported alone.
"""

from __future__ import annotations

TORCH_MISSING = (
    "legacy_variable's runtime face needs PyTorch: "
    "pip install 'legacy-variable[runtime]' (or install torch)"
)


def require_torch() -> None:
    """Raise ImportError with one clear line when torch cannot be imported."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise ImportError(TORCH_MISSING) from None
