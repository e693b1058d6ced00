"""An identity map that holds its keys (tensors) weakly."""

from __future__ import annotations

import weakref


class WeakIdMap:
    """key -> value, by identity, holding the key weakly.

    Leaner than torch.utils.weak.WeakIdKeyDictionary on the recording path (one weakref
    with a callback and a dict store), and never compares tensors with ``==``.
    """

    def __init__(self) -> None:
        #: id(key) -> (weakref to key, value). Public so that a hot path can test
        #: "anything alive?" with one dict truthiness check.
        self.entries: dict[int, tuple] = {}

    def __setitem__(self, key, value) -> None:
        entries = self.entries
        k = id(key)

        def forget(ref, k=k, entries=entries):
            entry = entries.get(k)
            if entry is not None and entry[0] is ref:
                # pop, not del: a callback run by a tensor freed in another thread (the
                # autograd engine's) may find the entry already gone (clear() at the end
                # of the mode); an exception here is "ignored" noise that pytest fails.
                entries.pop(k, None)

        entries[k] = (weakref.ref(key, forget), value)

    def get(self, key, default=None):
        entry = self.entries.get(id(key))
        if entry is not None and entry[0]() is key:
            return entry[1]
        return default

    def __len__(self) -> int:
        return len(self.entries)

    def clear(self) -> None:
        self.entries.clear()
