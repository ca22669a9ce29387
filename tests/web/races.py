"""Two requests in one event loop, one of them held inside the app: which finishes first
says whether the held work blocked the loop (tests of app/web/threads.py and the desk)."""

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from app.main import app

Request = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


class Hold:
    """`owner.name`, made to wait (at most 10 s) for `release` once it is entered."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> None:
        self.entered, self.release = threading.Event(), threading.Event()
        original = getattr(owner, name)

        def waiting(*args: Any, **kwargs: Any) -> Any:
            self.entered.set()
            self.release.wait(timeout=10)  # on the event loop, this stalls every request
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, waiting)

    def finishing_order(self, held: Request, other: Request) -> list[tuple[str, int]]:
        """Send `held`, then `other` once the held work has begun; release it after
        `other` is answered. The (name, status) of each answer, in the order they came."""

        async def scenario() -> list[tuple[str, int]]:
            answered: list[tuple[str, int]] = []
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:

                async def send(name: str, request: Request) -> None:
                    answered.append((name, (await request(http)).status_code))

                first = asyncio.create_task(send("held", held))
                while not self.entered.is_set():
                    await asyncio.sleep(0.01)
                await send("other", other)
                self.release.set()
                await first
            return answered

        return asyncio.run(scenario())


def get(path: str) -> Request:
    return lambda http: http.get(path)
