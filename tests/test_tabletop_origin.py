"""The tabletop's websocket refuses pages of other origins (attack review, issue 22)."""
from __future__ import annotations

import asyncio

import pytest

from sim.tabletop.origin_guard import POLICY_VIOLATION, allowed_origin, guard, install


@pytest.mark.parametrize("origin, host, ok", [
    (None, "127.0.0.1:8765", True),  # not a browser
    ("http://127.0.0.1:8765", "127.0.0.1:8765", True),
    ("http://localhost:8765", "127.0.0.1:8765", True),
    ("http://127.0.0.1:9999", "127.0.0.1:8765", False),  # another local server's page
    ("http://evil.example", "127.0.0.1:8765", False),
    ("http://127.0.0.1.evil.example:8765", "127.0.0.1:8765", False),
    ("null", "127.0.0.1:8765", False),  # a sandboxed frame or a file: page
    ("file://", "127.0.0.1:8765", False),
    ("http://[::1", "127.0.0.1:8765", False),  # unparsable
])
def test_only_this_servers_pages_may_open_the_websocket(origin, host, ok):
    assert allowed_origin(origin, host) is ok


class FakeSocket:
    """What the guard reads of Starlette's WebSocket: its headers, and close()."""

    def __init__(self, origin):
        self.headers = {"host": "127.0.0.1:8765", **({"origin": origin} if origin else {})}
        self.closed_with = None

    async def close(self, code):
        self.closed_with = code


def test_a_foreign_page_is_closed_before_the_handler_runs():
    reached = []

    async def handler(ws):
        reached.append(ws.headers.get("origin"))

    guarded = guard(handler)
    own, foreign = FakeSocket("http://127.0.0.1:8765"), FakeSocket("http://evil.example")
    asyncio.run(guarded(own))
    asyncio.run(guarded(foreign))
    assert reached == ["http://127.0.0.1:8765"]
    assert own.closed_with is None and foreign.closed_with == POLICY_VIOLATION


def test_the_guard_sits_in_front_of_solaras_kernel_connection_once():
    import solara.server.starlette as server

    install()
    install()
    assert server._kernel_connection.__wrapped__ is not None
    assert not hasattr(server._kernel_connection.__wrapped__, "__wrapped__")
