"""JSON-RPC hygiene on top of pygls: every malformed message a client (or a broken pipe
between them) can send gets the JSON-RPC error the specification names, never silence,
never a crash.

pygls logs and drops what it cannot read; a client waiting for the response to a request
it sent with bad params would then wait forever. Here:

- a body that is not JSON                  -> ParseError (-32700), id null
- JSON that is not a request/notification  -> InvalidRequest (-32600), its id or null
- a known request with params of the wrong shape -> InvalidParams (-32602)
- a request before ``initialize``          -> ServerNotInitialized (-32002)
- a request after ``shutdown``             -> InvalidRequest (-32600)
"""

from __future__ import annotations

import logging

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.protocol import LanguageServerProtocol

logger = logging.getLogger(__name__)


class _Rejected:
    """A message structure_message could not read, and the error its sender is owed."""

    def __init__(self, msg_id, code: int, message: str):
        self.msg_id = msg_id
        self.code = code
        self.message = message


def _valid_id(value) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


class StrictProtocol(LanguageServerProtocol):
    initialized = False

    def structure_message(self, data):
        # Called for every JSON object of a body, innermost first: only objects that are
        # JSON-RPC messages (with "jsonrpc") are structured; the rest pass through.
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "method" in data and _valid_id(data.get("id")):
                detail = f"invalid params for {data['method']!r}: {exc.message or exc}"
                return _Rejected(data["id"], lsp.ErrorCodes.InvalidParams, detail)
            raise

    def handle_message(self, message):
        if isinstance(message, _Rejected):
            self.reply_error(message.msg_id, message.code, message.message)
            return
        method = getattr(message, "method", None)
        if getattr(message, "jsonrpc", None) != "2.0" or (method is not None and not isinstance(method, str)):
            msg_id = message.get("id") if isinstance(message, dict) else getattr(message, "id", None)
            self.reply_error(msg_id if _valid_id(msg_id) else None, lsp.ErrorCodes.InvalidRequest,
                             "not a JSON-RPC 2.0 request or notification")
            return
        is_request = method is not None and hasattr(message, "id")
        if is_request:
            if self._shutdown:
                self.reply_error(message.id, lsp.ErrorCodes.InvalidRequest, "the server is shutting down")
                return
            if not self.initialized and method != lsp.INITIALIZE:
                self.reply_error(message.id, lsp.ErrorCodes.ServerNotInitialized, "the server is not initialized")
                return
            if method == lsp.INITIALIZE:
                if self.initialized:
                    self.reply_error(message.id, lsp.ErrorCodes.InvalidRequest, "the server is already initialized")
                    return
                self.initialized = True
        elif method is not None and not self.initialized and method != lsp.EXIT:
            return  # notifications before initialize are dropped, as the specification says
        super().handle_message(message)

    def reply_error(self, msg_id, code: int, message: str) -> None:
        logger.warning("answering with error %s: %s", int(code), message)
        self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": int(code), "message": message}})

    def reply_parse_error(self, error: Exception) -> None:
        self.reply_error(None, lsp.ErrorCodes.ParseError, f"invalid JSON: {error}")
