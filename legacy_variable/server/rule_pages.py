"""Where a diagnostic's ``codeDescription`` points: each rule's explanation.

LSP says ``codeDescription.href`` is a URI the editor opens (VS Code makes the code a
link; Neovim and others hand it to the system's opener). The project publishes no rule
pages on the web, and an editor may be offline, so by default the link is a ``file://``
URI to a Markdown page generated from the catalog (``Rule.explain()``, what
``legacy-variable explain CODE`` prints) in the user's cache directory. The pages live
in a directory named after the package version, and a page whose text differs from the
catalog's (a development install) is rewritten, so a link never shows another version's
text. A team that hosts the guide sets ``docs-url = "https://.../{code}"`` in
``[tool.legacy-variable]`` instead.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from .. import __version__
from ..lint.config import DOCS_URL_FIELD
from ..rules import RULES


def cache_root() -> Path:
    """The user cache directory, as each platform names it."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser(r"~\AppData\Local")
    elif sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "legacy-variable"


def page_text(code: str) -> str:
    rule = RULES[code]
    return (rule.explain() + f"\n---\nlegacy-variable {__version__}: `legacy-variable explain {rule.code}` "
            "prints this page.\n")


def _write_pages(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for code in RULES:
        page = directory / f"{code}.md"
        text = page_text(code)
        try:
            if page.read_text(encoding="utf-8") == text:
                continue
        except (OSError, UnicodeDecodeError):
            pass
        # Written whole, then renamed: an editor (or a second server) never reads half a page.
        partial = directory / f".{code}.{os.getpid()}.partial"
        partial.write_text(text, encoding="utf-8", newline="\n")
        os.replace(partial, page)


class RulePages:
    """Made once per server, at start-up (about 60 small files, rewritten only when
    their text changed)."""

    def __init__(self, root: Path | None = None):
        self.directory: Path | None = None
        folder = f"rules-{__version__}"
        candidates = [root / folder] if root is not None else [
            cache_root() / folder,
            # A read-only home: the system's temporary directory, per user.
            Path(tempfile.gettempdir()) / f"legacy-variable-{_user()}" / folder,
        ]
        for directory in candidates:
            try:
                _write_pages(directory)
            except OSError:
                continue
            self.directory = directory
            break

    def href(self, code: str, docs_url: str | None = None) -> str | None:
        """The URI an editor opens for ``code``; None when there is none to give (the
        hover still carries the explanation)."""
        if docs_url:
            return docs_url.replace(DOCS_URL_FIELD, code)
        rule = RULES.get(code)
        if rule is not None and rule.url:  # the project's own pages, once it publishes them
            return rule.url
        if self.directory is None or rule is None:
            return None
        return (self.directory / f"{code}.md").as_uri()


def _user() -> str:
    try:
        return str(os.getuid())
    except AttributeError:  # Windows
        return os.environ.get("USERNAME", "user")
