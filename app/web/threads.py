"""Where the site computes what is not cached: a few threads per process, off the event loop.

Handlers run on the event loop, so a cached answer costs no thread hop. Computing a
view nobody asked for yet (queries, layout, rendering: 20 to 100 ms at 200,000 events)
runs here instead, so that clients asking for new views (a crawler, or a client
busting the cache on purpose) queue among themselves and the cached pages keep
flowing; the event loop never runs a query (the database's work all happens here).

Two threads by default (RENDER_THREADS): a slow view (a text search matching most
events) takes one, and the next new views are computed in the other meanwhile
(SQLite releases the GIL while it reads). They share the GIL with the event loop:
bench/web_bench.py --only busting, 20,000 events, shared 2-core machine, cached p95
while 25 clients bust the cache: 81 ms with one thread, 76 ms with two (new views 12
then 18 per second), 160 ms with four.
"""

import asyncio
import weakref
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

from app.config import get_settings

T = TypeVar("T")
# One limiter per event loop (each test client runs its own loop).
_limiters: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter]" = (
    weakref.WeakKeyDictionary()
)


def _limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(get_settings().render_threads)
    return limiter


async def off_loop(func: Callable[..., T], *args: object) -> T:
    """`func(*args)` in one of the site's compute threads."""
    return await anyio.to_thread.run_sync(func, *args, limiter=_limiter())
