"""``legacy_mode()`` / ``installed()`` scopes are reference-counted across threads and
nest (issue 18: the first thread to leave removed the shim under the other)."""

from __future__ import annotations

import threading

import pytest
import torch

import legacy_variable
from legacy_variable import Variable, install, installed, legacy_mode, uninstall
from legacy_variable.runtime import mode as lv_mode

ORIGINAL_VARIABLE = torch.autograd.Variable
TIMEOUT = 10


def _run_overlapping(scope_a, scope_b, check_b_after_a_left):
    """A enters, B enters, A leaves while B is inside, B checks, B leaves."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def a():
        try:
            with scope_a():
                a_in.set()
                assert b_in.wait(TIMEOUT)
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)
        finally:
            a_in.set()
            a_out.set()

    def b():
        try:
            assert a_in.wait(TIMEOUT)
            with scope_b():
                b_in.set()
                assert a_out.wait(TIMEOUT)
                check_b_after_a_left()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
        finally:
            b_in.set()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads)
    if errors:
        raise errors[0]


def _mode_and_shim_on():
    assert torch.autograd.Variable is Variable
    assert lv_mode.active()
    assert torch.tensor(2.0)[0] == 2.0  # scalar_index patch still in place


def _all_off():
    assert torch.autograd.Variable is ORIGINAL_VARIABLE
    assert not lv_mode.active()
    assert not legacy_variable.is_installed()
    with pytest.raises(IndexError):
        torch.tensor(2.0)[0]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_overlapping_legacy_mode_scopes_in_two_threads():
    _run_overlapping(legacy_mode, legacy_mode, _mode_and_shim_on)
    _all_off()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_overlapping_installed_scopes_in_two_threads():
    def shim_on():
        assert torch.autograd.Variable is Variable
        assert not lv_mode.active()

    _run_overlapping(installed, installed, shim_on)
    _all_off()
    _run_overlapping(lambda: installed(mode=True), legacy_mode, _mode_and_shim_on)
    _all_off()
    _run_overlapping(legacy_mode, lambda: installed(mode=True), _mode_and_shim_on)
    _all_off()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_nested_scopes_in_one_thread():
    with legacy_mode():
        with installed(mode=True):
            with legacy_mode():
                _mode_and_shim_on()
            _mode_and_shim_on()
        _mode_and_shim_on()
    _all_off()


def test_uninstall_inside_a_scope_waits_for_the_scope():
    install()
    with installed():
        uninstall()
        assert torch.autograd.Variable is Variable  # the open scope still holds it
    _all_off()


def test_install_survives_the_end_of_a_scope():
    with installed():
        install()
    try:
        assert torch.autograd.Variable is Variable
    finally:
        uninstall()
    _all_off()
