"""Jupyter notebooks: every code cell linted as one module, fixes spliced back into the JSON.

The rooms: ``document`` reads the JSON (``layout`` finds where each cell's source sits in
its text), ``magics`` masks IPython syntax, ``cells`` builds the logical module and maps
its rows back to cells, ``rewrite`` writes fixed cells back, ``adapter`` is the source
format the lint pipeline drives. ``json`` only: nbformat is not a runtime dependency.
"""

from .adapter import NotebookDocument, load_notebook
from .document import MalformedNotebook, Notebook, json_position, parse, read
from .magics import mask, unmask

__all__ = [
    "MalformedNotebook",
    "Notebook",
    "NotebookDocument",
    "json_position",
    "load_notebook",
    "mask",
    "parse",
    "read",
    "unmask",
]
