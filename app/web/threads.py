"""Where the site computes what is not cached: a few threads per process, off the event loop.

Handlers run on the event loop, so a cached answer costs no thread hop. Computing a
view nobody asked for yet (queries, layout, rendering: 100 ms or more on 20,000
events) runs here instead, so that clients asking for new views (a crawler, or a
client busting the cache on purpose) queue among themselves and the cached pages
keep flowing. One thread by default (RENDER_THREADS): they share the GIL with the
event loop, and two cost the cached pages more than they gained for new views.
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
