"""An element of a 1-D ``Variable(...)`` used as a loss target -- LV121.

The mode's shim hook marks 1-D results of ``Variable(...)`` (``note_variable_result``);
its ``__getitem__`` remembers where an element was taken out of a marked tensor
(``note_vector_index``); ``F.nll_loss``/``F.cross_entropy`` retry, only on their
``ValueError`` path and only for such an element, with it as a batch of one (what 0.3
computed), naming the indexing line. A call that succeeds on stock torch is never
changed.
"""

from __future__ import annotations

import sys

import torch
import torch.nn.functional as F

from ...rules import Code
from ..emission import emit, user_frame, pytest_traceback_hide
from ..frames import SiteFrame, name_in, user_caller
from ..weakids import WeakIdMap

__tracebackhide__ = pytest_traceback_hide  # pytest: the user's line ends tracebacks

_Tensor = torch.Tensor
_ORIG_NLL_LOSS = F.nll_loss
_ORIG_CROSS_ENTROPY = F.cross_entropy

#: 1-D tensors made by ``Variable(...)`` under the mode.
_vectors = WeakIdMap()
#: element taken out of such a tensor -> SiteFrame of the indexing.
_elements = WeakIdMap()
#: Non-empty while a marked 1-D tensor is alive: the one dict check ``__getitem__``
#: makes on its success path.
vectors_alive = _vectors.entries


def note_variable_result(result) -> None:
    """``Variable(...)`` returned ``result`` under legacy mode (called by mode's hook)."""
    if isinstance(result, _Tensor) and result.dim() == 1:
        _vectors[result] = True


def note_vector_index(vector, element, frame) -> None:
    """``vector[i]`` with an int ``i`` ran at ``frame`` (called by mode's ``__getitem__``)."""
    if _vectors.get(vector) is None or not isinstance(element, _Tensor):
        return
    user = user_caller(frame)
    if user is not None:
        _elements[element] = SiteFrame(user)


def _retrying_batch_of_one(original):
    def loss(input, target, *args, **kwargs):
        try:
            return original(input, target, *args, **kwargs)
        except ValueError:
            site = _elements.get(target) if isinstance(target, _Tensor) else None
            if (
                site is None
                or target.dim() != 0
                or not isinstance(input, _Tensor)
                or input.dim() < 1
                or input.shape[0] != 1
            ):
                raise
            frame = sys._getframe(1)
            name = name_in(user_frame(frame), target) or "target"
            emit(
                Code.VECTOR_INDEX_IS_ZERO_DIM,
                frame=frame,
                target=name,
                variant="indexed_at",
                index_line=site.f_lineno,
                related=(("index_site", site.location),),
            )
            return original(input, target.view(1), *args, **kwargs)

    loss.__name__ = original.__name__
    loss.__qualname__ = original.__qualname__
    loss.__doc__ = original.__doc__
    loss.__module__ = original.__module__
    # torch.jit.script compiles this instead (a wrapper with *args cannot be scripted).
    loss.__prepare_scriptable__ = lambda: original
    return loss


_nll_loss = _retrying_batch_of_one(_ORIG_NLL_LOSS)
_cross_entropy = _retrying_batch_of_one(_ORIG_CROSS_ENTROPY)


def clear() -> None:
    """Forget the marks when legacy mode ends."""
    _vectors.clear()
    _elements.clear()


REPLACEMENTS = ((F, "nll_loss", _nll_loss), (F, "cross_entropy", _cross_entropy))
