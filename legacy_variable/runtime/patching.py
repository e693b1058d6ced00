"""Reversible attribute replacements: legacy mode's patches are undone exactly."""

from __future__ import annotations

_MISSING = object()


class Patches:
    """Attribute replacements; ``restore`` puts back the identical original objects."""

    def __init__(self) -> None:
        # (owner, name, value in owner.__dict__ or _MISSING)
        self.saved: list[tuple[object, str, object]] = []

    def set(self, owner, name: str, value) -> None:
        self.saved.append((owner, name, vars(owner).get(name, _MISSING)))
        setattr(owner, name, value)

    def restore(self) -> None:
        while self.saved:
            owner, name, original = self.saved.pop()
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
