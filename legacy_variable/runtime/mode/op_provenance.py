"""The opt-in op-level provenance: a ``TorchFunctionMode`` that records every torch call
user code makes (``legacy_mode(trace_ops=True)``, ``legacy-variable run --trace-ops``)."""

from __future__ import annotations

import os
import sys

import torch

from ..frames import called_by_user
from .provenance import record_origins, tensors_in

_Tensor = torch.Tensor


#: Frames of torch's public wrappers between a user's call and the mode (F.relu and
#: friends): looked through when deciding whether the caller is user code.
_WRAPPER_FILES = {
    os.path.abspath(module.__file__)
    for module in (torch.overrides, torch.nn.functional, torch.functional, torch._tensor)
}


class OpProvenanceMode(torch.overrides.TorchFunctionMode):
    """Op-level provenance (opt-in: ``legacy_mode(trace_ops=True)``, ``run --trace-ops``).

    The default provenance sees arithmetic operators and a few common methods. This mode
    sees every torch function and method user code calls (``torch.cat([a, b])``,
    ``F.relu(a)``, ``a.exp()``...), at the price of a ``TorchFunctionMode``: every op of
    the thread pays (about x1.1 on an MLP training step, x2 on tiny ops; see
    bench/mode_bench.py). torch keeps modes per thread: it is entered in the thread that
    enters ``legacy_mode(trace_ops=True)``; ``legacy-variable run --trace-ops`` also enters
    it in every thread the program starts.
    """

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if kwargs is None:
            kwargs = {}
        out = func(*args, **kwargs)
        if type(out) is _Tensor and not out.requires_grad:
            frame = sys._getframe(1)
            while frame is not None and frame.f_code.co_filename in _WRAPPER_FILES:
                frame = frame.f_back
            if frame is not None and called_by_user(frame):
                record_origins(out, tuple(tensors_in(args, kwargs)))
        return out
