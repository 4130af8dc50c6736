"""Live updates: server-sent events (SSE) pushed to every open browser.

Any thread may :meth:`EventBus.publish` (request handlers run in a thread pool, jobs in their
own); the message is handed to the event loop with ``call_soon_threadsafe`` and copied into one
bounded queue per subscriber. A browser's ``EventSource`` reconnects by itself and the page
reloads the state on every (re)connection, so a dropped message costs nothing but a refresh.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections.abc import AsyncIterator
from typing import Any

__all__ = ["EventBus"]

_QUEUE = 256
_KEEPALIVE_S = 15.0


class EventBus:
    """Fan-out of events to SSE subscribers.

    Parameters
    ----------
    keepalive_s
        Seconds between comment lines sent to idle streams (proxies and browsers drop silent
        connections).
    """

    def __init__(self, keepalive_s: float = _KEEPALIVE_S) -> None:
        self.keepalive_s = float(keepalive_s)
        self._subs: set[asyncio.Queue] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._closed = False

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        """Send ``data`` (JSON-able) as an event named ``kind`` to every subscriber; thread-safe."""
        with self._lock:
            eid = next(self._ids)
        text = f"id: {eid}\nevent: {kind}\ndata: {json.dumps(data, default=str, ensure_ascii=False)}\n\n"
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._fanout(text)
        else:
            loop.call_soon_threadsafe(self._fanout, text)

    def _fanout(self, text: str | None) -> None:
        for q in list(self._subs):
            if q.full():  # a stalled client loses its oldest message, never blocks the others
                q.get_nowait()
            q.put_nowait(text)

    def close(self) -> None:
        """End every stream (server shutdown)."""
        self._closed = True
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._fanout, None)

    async def stream(self, *, limit: int | None = None, hello: dict[str, Any] | None = None) -> AsyncIterator[str]:
        """The text of an SSE stream: a ``hello`` event, then every event published, with
        keep-alive comments; ends after ``limit`` events (tests) or at :meth:`close`."""
        self._loop = asyncio.get_running_loop()
        q: asyncio.Queue = asyncio.Queue(maxsize=_QUEUE)
        self._subs.add(q)
        sent = 0
        try:
            yield "retry: 2000\n\n"
            yield f"event: hello\ndata: {json.dumps(hello or {}, default=str)}\n\n"
            while not self._closed and (limit is None or sent < limit):
                try:
                    text = await asyncio.wait_for(q.get(), timeout=self.keepalive_s)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if text is None:
                    break
                yield text
                sent += 1
        finally:
            self._subs.discard(q)
