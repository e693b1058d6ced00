"""The ``server`` subcommand. Registering it imports neither pygls nor the server."""

from __future__ import annotations

import argparse
import sys

MISSING_PYGLS = (
    "legacy-variable: error: the server needs pygls: pip install 'legacy-variable[server]'"
)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "server",
        help="run the language server (LSP over stdin/stdout) for editors",
        description="Run the legacy-variable language server on stdin/stdout.",
    )
    # Editors' generic LSP clients often pass --stdio; it is the only transport.
    parser.add_argument("--stdio", action="store_true", help="communicate over stdin/stdout (the default)")
    parser.add_argument("--log-file", metavar="PATH", help="write the server's log to PATH")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        print(MISSING_PYGLS, file=sys.stderr)
        return 2
    import logging

    if args.log_file:
        logging.basicConfig(filename=args.log_file, level=logging.INFO)
    else:
        # stdout carries the protocol: the log goes to stderr, warnings and worse only.
        # pygls logs a traceback for each malformed message it meets; the client gets an
        # error response for it (``protocol``), the editor's log needs no traceback.
        logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
        logging.getLogger("pygls").setLevel(logging.CRITICAL)
    from .app import serve

    return serve()
