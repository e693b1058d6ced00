"""Legacy mode: PyTorch 0.3 semantics where they can be restored, and traps caught as they
happen, each with a diagnostic at the user's line:

* ``loss.data[0]`` / ``loss[0]`` on a 0-dim tensor return what 0.3 returned -- LV104
  (``scalar_index``);
* ``Variable(x, volatile=True)`` infectious again: no graph is built from it -- LV103
  (``volatile``);
* ``backward(retain_variables=...)`` works as ``retain_graph=`` -- LV106; ``.numpy()`` on
  a tensor that requires grad returns the detached array -- LV207; ``x.require_grad =
  True`` reported -- LV206 (``legacy_calls``);
* reads of a ``.grad`` that can only be ``None`` explained, with the wrap that cut the
  graph (the ``c_var`` misconception) -- LV203 / LV201 (``grad``, ``provenance``, and the
  opt-in ``op_provenance``);
* torch's own warnings for legacy idioms re-reported under catalog codes, LV111-LV118
  (``torch_warnings``);
* what real 2017-18 scripts hit beyond Variable (``runtime.patches``).

``activation`` turns them on and off together. How, and what it costs ("pay only where
the legacy idiom is", ARCHITECTURE.md): a pass-through ``TorchFunctionMode`` costs x1.12
on an MLP step because every op pays, so the mode is built from narrow patches that cost
only when the legacy thing is touched; each module's docstring says where its cost is.
"""

from __future__ import annotations

from .activation import active, disable_globally, enable_globally, legacy_mode
from .op_provenance import OpProvenanceMode
from .volatile import LegacyVolatileTensor

__all__ = [
    "LegacyVolatileTensor",
    "OpProvenanceMode",
    "active",
    "disable_globally",
    "enable_globally",
    "legacy_mode",
]
