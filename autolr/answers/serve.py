"""Serve optuna-dashboard on a study storage until Ctrl-C.

Not optuna-dashboard's own `run_server`: that announces "Listening" before it has bound
the port, and serves requests on the main thread, where Ctrl-C lands inside a response
and is swallowed by the WSGI handler. Here the port is bound first (a port in use is one
clear error), requests run on worker threads, and the main thread only waits, so the
first Ctrl-C always stops the server.
"""

from __future__ import annotations

import socketserver
import threading
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from optuna.storages import RDBStorage

from autolr.errors import AutolrError


class _ThreadedServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True  # an unfinished response never keeps the process alive
    block_on_close = False


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """One line per request would bury the terminal; the dashboard shows the data."""


def bind(storage: RDBStorage, host: str, port: int) -> WSGIServer:
    """A server listening on host:port, or a one-line error (port in use, bad host)."""
    from optuna_dashboard import wsgi

    try:
        server = _ThreadedServer((host, port), _QuietHandler)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise AutolrError(
            f"cannot serve on {host}:{port}: {reason} (pass another --port, or stop what uses it)"
        ) from None
    server.set_app(wsgi(storage))
    return server


def serve_until_interrupted(server: WSGIServer) -> None:
    """Serve on a background thread; return when Ctrl-C (or SIGTERM) reaches this one."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
