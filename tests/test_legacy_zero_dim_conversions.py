"""LV124: ``loss.data.numpy()[0]`` and its spellings on a 0-dim value.

0.3 (a loss was 1-element 1-D): the conversion had one element and ``[0]`` took it out.
Legacy mode gives the same numbers and reports the line; the linter reports and fixes
with ``.item()`` where the value is shown 0-dim.
"""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from legacy_variable import collecting, configure, legacy_mode
from lint_helpers import check, fix_source, found


@pytest.fixture(autouse=True)
def _quiet():
    previous = configure("ignore")
    yield
    configure(previous)


def _epoch_log(model, batches):
    """A 2017 training-log loop: the four spellings of one number."""
    logged = []
    for x, y in batches:
        loss = F.mse_loss(model(x), y)
        logged.append((
            loss.data.numpy()[0],
            loss.cpu().numpy()[0] if not loss.requires_grad else loss.detach().cpu().numpy()[0],
            loss.tolist()[0],
            loss.data.cpu().numpy()[0],
        ))
    return logged


def test_stock_torch_refuses_each_spelling():
    loss = F.mse_loss(torch.randn(3), torch.randn(3))
    with pytest.raises(IndexError):
        loss.numpy()[0]
    with pytest.raises(TypeError):
        loss.tolist()[0]


def test_legacy_mode_gives_0_3s_numbers_and_reports_each_line():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    batches = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(3)]
    expected = [F.mse_loss(model(x), y).item() for x, y in batches]
    with legacy_mode(), collecting() as seen:
        logged = _epoch_log(model, batches)
    for row, value in zip(logged, expected):
        assert row == pytest.approx([value] * 4)
    assert [d.code for d in seen.diagnostics] == ["LV124"] * 12
    assert {d.arg("conversion") for d in seen.diagnostics} == {"numpy", "tolist"}


def test_kept_values_are_the_stock_types():
    """Only a conversion indexed on the spot gets the legacy value: a kept one is the
    stock ``ndarray``/``float``/``int`` (pyro 0.1.2's suite compares ``type(x) ==
    np.ndarray``; a subclass there failed a passing test)."""
    loss = torch.tensor(2.5)
    with legacy_mode(), collecting() as seen:
        array = loss.numpy()
        number = loss.tolist()
        count = torch.tensor(3).tolist()
        vector = torch.arange(3.0).numpy()
        listed = torch.arange(3).tolist()
        flag = torch.tensor(True).tolist()
        at_once = (loss.numpy()[0], loss.data.cpu().numpy()[-1], torch.tensor(3).tolist()[0])
        with pytest.raises(IndexError):
            array[0]  # kept, then indexed: stock torch's error (the linter reports it)
        with pytest.raises(IndexError):
            loss.numpy()[1]  # only 0.3's [0] / [-1]
    assert type(array) is np.ndarray and np.shares_memory(array, loss.numpy())
    assert type(number) is float and number == 2.5
    assert type(count) is int and count == 3
    assert type(vector) is np.ndarray and listed == [0, 1, 2] and flag is True
    assert at_once == (2.5, 2.5, 3) and type(at_once[2]) is int
    assert [d.code for d in seen.diagnostics] == ["LV124"] * 3


def _unwrap(x):
    """pyro 0.1.2's test helper: the caller indexes what it returns."""
    return x.data.cpu().numpy()


def _through(x):
    return _unwrap(x)


def test_a_conversion_returned_by_helpers_to_an_indexing_caller_is_legacy():
    loss = torch.tensor(-1.25)
    with legacy_mode(), collecting() as seen:
        first = sys._getframe().f_lineno + 1
        direct = _unwrap(loss)[0]
        nested = _through(loss)[-1]
        kept = _through(loss)
    assert direct == nested == -1.25
    assert type(kept) is np.ndarray
    # reported where 0.3's [0] is, the caller's line
    assert [(d.code, d.line) for d in seen.diagnostics] == [("LV124", first), ("LV124", first + 1)]


def test_the_legacy_values_pickle_and_compute_as_the_stock_ones():
    from legacy_variable.runtime.mode.zero_dim_conversions import LegacyFloat, LegacyScalarArray

    array = np.array(2.5, dtype=np.float32).view(LegacyScalarArray)
    assert type(array + 1) is np.float32
    assert type(pickle.loads(pickle.dumps(array))) is np.ndarray
    number = LegacyFloat(2.5)
    assert number * 2 == 5.0 and type(pickle.loads(pickle.dumps(number))) is float
    with pytest.raises(TypeError):
        number[1]


def test_outside_the_mode_conversions_are_stock():
    with legacy_mode():
        pass
    assert type(torch.tensor(1.0).numpy()) is np.ndarray
    assert type(torch.tensor(1.0).tolist()) is float


# ---- the linter -------------------------------------------------------------------

_LOG = """\
import torch
import torch.nn.functional as F

def log(model, x, y):
    out = model(x)
    loss = F.nll_loss(out, y)
    print(loss.data.numpy()[0])
    print(loss.cpu().numpy()[0])
    print(loss.tolist()[0])
    print(loss.data.cpu().numpy()[0])
    print(out.sum().data.numpy()[0])
    print(out.data.numpy()[0])
    print(out.numpy()[0][1])
"""

_LOG_FIXED = """\
import torch
import torch.nn.functional as F

def log(model, x, y):
    out = model(x)
    loss = F.nll_loss(out, y)
    print(loss.item())
    print(loss.item())
    print(loss.item())
    print(loss.item())
    print(out.sum().item())
    print(out.data.numpy()[0])
    print(out.numpy()[0][1])
"""


def test_linter_reports_each_spelling_on_a_0_dim_value_only():
    assert found(_LOG, "LV124", dedent=False) == [
        ("LV124", 7, 11), ("LV124", 8, 11), ("LV124", 9, 11), ("LV124", 10, 11),
        ("LV124", 11, 11),
    ]
    messages = {d.message for d in check(_LOG, dedent=False) if d.code == "LV124"}
    assert any("`.tolist()[0]`" in m for m in messages)


def test_linter_fix_is_item():
    assert fix_source(_LOG) == _LOG_FIXED
