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
    """End ``install()`` (and ``install(mode=True)``'s legacy mode): the original objects
    come back exactly once no ``installed()`` / ``legacy_mode()`` scope is open.
    Idempotent."""
    shim.uninstall_shim()
    activation.disable_globally()


@contextmanager
def installed(mode: bool = False) -> Iterator[None]:
    """``with installed():`` -- the shim (and with ``mode=True`` legacy mode) for the
    block. Scopes are reference-counted across threads and nest: the shim stays while any
    scope (or ``install()``) holds it, so what was there before comes back when the last
    one ends."""
    shim.acquire_shim()
    try:
        if mode:
            with activation.legacy_mode(install=False):
                yield
        else:
            yield
    finally:
        shim.release_shim()
