"""Only pages this server served may talk to it: Solara's websocket
(``/jupyter/api/kernels/.../channels``, which drives every seat) accepts any
``Origin``, so a web page open in the trainer's browser could start sessions
or guess codes even though the server listens on 127.0.0.1 only (attack
review, issue 22). A browser always sends ``Origin`` on a websocket; one that
is not this server's own address is closed (policy violation, 1008) before
Solara sees it. Clients without ``Origin`` are not browsers driven by a page.
"""
from __future__ import annotations

from urllib.parse import urlsplit

LOCAL_HOSTS = ("127.0.0.1", "localhost")  # the only addresses python -m sim.tabletop serves on
POLICY_VIOLATION = 1008  # RFC 6455 close code


def allowed_origin(origin: str | None, host: str | None) -> bool:
    """A websocket's ``Origin`` is this server's page (same host and port), or absent."""
    if origin is None:
        return True
    try:
        parts = urlsplit(origin)
        hostname = parts.hostname
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or hostname not in LOCAL_HOSTS:
        return False
    if host is None:
        return True
    served = urlsplit(f"http://{host}")
    try:
        return served.hostname in LOCAL_HOSTS and port == served.port
    except ValueError:
        return False


def guard(handler):
    """``handler`` (an ASGI websocket endpoint) behind the origin check."""
    async def guarded(ws):
        if not allowed_origin(ws.headers.get("origin"), ws.headers.get("host")):
            await ws.close(code=POLICY_VIOLATION)
            return
        await handler(ws)

    guarded.__wrapped__ = handler
    return guarded


def install() -> None:
    """Put the check in front of Solara's kernel connection (once per process)."""
    import solara.server.starlette as server

    if not hasattr(server._kernel_connection, "__wrapped__"):
        server._kernel_connection = guard(server._kernel_connection)
