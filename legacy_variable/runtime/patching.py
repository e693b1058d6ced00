"""Reversible attribute replacements: legacy mode's patches are undone exactly."""

from __future__ import annotations

_MISSING = object()


class Patches:
    """Attribute replacements; ``restore`` puts back the identical original objects."""

    def __init__(self) -> None:
        # (owner, name, value in owner.__dict__ or _MISSING), or (None, "", callable) for
        # an undo step registered with ``on_restore``.
        self.saved: list[tuple[object, str, object]] = []

    def set(self, owner, name: str, value) -> None:
        self.saved.append((owner, name, vars(owner).get(name, _MISSING)))
        setattr(owner, name, value)

    def on_restore(self, undo) -> None:
        """Call ``undo()`` during ``restore``, after undoing the patches set after this
        call (last in, first out)."""
        self.saved.append((None, "", undo))

    def restore(self) -> None:
        while self.saved:
            owner, name, original = self.saved.pop()
            if owner is None:
                original()
            elif original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
