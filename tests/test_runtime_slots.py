"""Legacy mode's ``Tensor.__getitem__`` patch leaves CPython's ``sq_item`` slot as it was
(issue 18: every tensor passed ``PySequence_Check``, so lists of 0-dim tensors failed to
convert, inside the mode and for the rest of the process)."""

from __future__ import annotations

import ctypes
import warnings

import pytest
import torch
import torch.nn as nn

from legacy_variable import Variable, legacy_mode
from legacy_variable.runtime import slots
from legacy_variable.runtime.mode import scalar_index


def _conversions():
    t0 = torch.tensor(1)
    p0 = nn.Parameter(torch.tensor(2.0))
    assert torch.tensor([t0]).tolist() == [1]
    assert torch.LongTensor([t0]).tolist() == [1]
    assert torch.tensor([p0]).tolist() == [2.0]
    assert torch.tensor([t0, t0 + 1]).tolist() == [1, 2]


def _slots_empty(*types):
    return [slots.sq_item(tp) for tp in types] == [None] * len(types)


def test_stock_tensors_have_no_sequence_slot():
    assert slots.supported(torch.Tensor)
    assert _slots_empty(torch.Tensor, nn.Parameter)


def test_lists_of_0dim_tensors_convert_inside_and_after_the_mode():
    _conversions()
    with legacy_mode():
        assert _slots_empty(torch.Tensor, nn.Parameter)
        _conversions()
        # the legacy idiom the patch exists for still works
        loss = Variable(torch.tensor(3.0))
        assert loss.data[0] == 3.0
        assert torch.arange(4)[2].item() == 2
    assert _slots_empty(torch.Tensor, nn.Parameter)
    _conversions()
    with pytest.raises(IndexError):
        torch.tensor(3.0)[0]


def test_a_subclass_defined_during_the_mode_is_not_a_sequence():
    with legacy_mode():
        class Sub(torch.Tensor):
            pass

        class Indexed(torch.Tensor):  # its own __getitem__: a sequence, as in stock Python
            def __getitem__(self, i):
                return super().__getitem__(i)

        s0 = torch.tensor(5).as_subclass(Sub)
        assert slots.sq_item(Sub) is None
        assert slots.sq_item(Indexed) is not None
        assert torch.tensor([s0]).tolist() == [5]
    assert slots.sq_item(Sub) is None
    assert slots.sq_item(Indexed) is not None
    assert torch.tensor([s0]).tolist() == [5]


def test_a_users_own_getitem_subclass_keeps_its_slot():
    class Seq(torch.Tensor):
        def __getitem__(self, i):
            return super().__getitem__(i)

    before = slots.sq_item(Seq)
    assert before is not None
    with legacy_mode():
        assert slots.sq_item(Seq) == before
    assert slots.sq_item(Seq) == before


def test_an_unverifiable_layout_skips_the_patch_and_says_so_once(monkeypatch):
    monkeypatch.setattr(scalar_index, "supported", lambda tp: False)
    monkeypatch.setattr(scalar_index, "_said_unsupported", False)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with legacy_mode():
            assert "__getitem__" not in vars(torch.Tensor)
            with pytest.raises(IndexError):
                torch.tensor(3.0)[0]
            _conversions()
        with legacy_mode():
            pass
    said = [w for w in seen if issubclass(w.category, RuntimeWarning)]
    assert [str(w.message) for w in said] == [scalar_index.UNSUPPORTED]


def test_layout_check_reads_the_fields_it_verifies():
    size = slots._TP_FLAGS + 8
    copy = ctypes.create_string_buffer(ctypes.string_at(id(torch.Tensor), size), size)
    assert slots._layout_matches(torch.Tensor, ctypes.addressof(copy))
    for offset in (slots._TP_BASICSIZE, slots._TP_ITEMSIZE, slots._TP_FLAGS):
        broken = ctypes.create_string_buffer(copy.raw, size)
        ctypes.memset(ctypes.addressof(broken) + offset, 0x7F, 4)
        assert not slots._layout_matches(torch.Tensor, ctypes.addressof(broken))
    assert not slots._layout_matches(torch.Tensor, ctypes.addressof(ctypes.create_string_buffer(size)))
