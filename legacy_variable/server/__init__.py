"""``legacy-variable server``: the linter as a Language Server (LSP over stdio).

Diagnostics on open, change (debounced) and save for ``.py`` files and Jupyter notebook
documents, the same codes, positions and messages as ``legacy-variable check``; code
actions (each diagnostic's fix, ``# noqa``, ``source.fixAll.legacy-variable``); hovers
with the rule's explanation. Built on pygls, which only this face needs: it comes with
the ``server`` extra (``pip install 'legacy-variable[server]'``), so the lint install stays
light and ``import legacy_variable.server`` itself imports nothing heavy.

Rooms: ``command`` (the CLI entry), ``app`` (the LSP features), ``scheduler`` (when to
lint), ``worker`` (the lint process), ``protocol`` (answers for malformed messages),
``convert``/``positions`` (findings in LSP terms), ``notebooks`` (LSP notebook documents
as an .ipynb).
"""
