"""The second round of 0.3 idioms found in real 2017-18 suites, applied and cleared
together by ``mode.activation``: ``.numpy()[0]``/``.tolist()[0]`` of 0-dim values
(LV124), class reads of ``is_cuda`` (LV125), byte masks (LV126), ``.data`` that is not a
Variable (LV127), ``set_default_tensor_type`` (LV128), ``.volatile`` reads (LV111) and an
optimizer step between two backwards (LV210). One module per concern; each costs only
where its idiom is (see the modules)."""

from __future__ import annotations

from ..patches import byte_masks, default_tensor_type, tensor_class_attributes
from . import data_unwrapping, optimizer_step, volatile_read, zero_dim_conversions

_REPLACING = (byte_masks, tensor_class_attributes, default_tensor_type)


def apply(patches) -> None:
    """After ``legacy_calls``: ``optimizer_step`` and ``zero_dim_conversions`` wrap the
    ``autograd.backward``/``Tensor.numpy`` in place then."""
    optimizer_step.apply(patches)
    zero_dim_conversions.apply(patches)
    data_unwrapping.apply(patches)
    volatile_read.apply(patches)
    for concern in _REPLACING:
        for owner, name, replacement in concern.REPLACEMENTS:
            patches.set(owner, name, replacement)


def stop() -> None:
    """Before ``Patches.restore``: hooks go, per-run records are forgotten."""
    optimizer_step.stop()
    data_unwrapping.clear()
