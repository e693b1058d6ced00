"""The public entry points of the runtime face: the shim, and on request legacy mode,
put in place and taken away together."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from . import shim
from .mode import activation


def install(mode: bool = False) -> None:
    """Put the shim behind ``torch.autograd.Variable``. Idempotent and thread-safe.

    With ``mode=True`` legacy mode is entered too, until ``uninstall()``.
    """
    shim.install_shim()
    if mode:
        activation.enable_globally()


def uninstall() -> None:
    """Restore the original objects exactly, and end ``install(mode=True)``'s legacy mode.
    Idempotent."""
    shim.uninstall_shim()
    activation.disable_globally()


@contextmanager
def installed(mode: bool = False) -> Iterator[None]:
    """``with installed():`` -- the shim (and with ``mode=True`` legacy mode) for the
    block; restores what was there before, a global legacy mode included."""
    was_installed = shim.is_installed()
    shim.install_shim()
    try:
        if mode:
            with activation.legacy_mode(install=False):
                yield
        else:
            yield
    finally:
        if not was_installed:
            shim.uninstall_shim()
