"""Run the real app with `timeline serve` (uvicorn) in a subprocess on 127.0.0.1 and a free port."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMELINE = Path(sys.executable).with_name("timeline")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve_command(*, port: int, workers: int = 1) -> list[str]:
    return [str(TIMELINE), "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--log-level", "warning"]  # fmt: skip


def serve_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a served app: DATABASE_URL plus other settings by name."""
    env = {**os.environ, "DATABASE_URL": database_url}
    env.update({name.upper(): value for name, value in settings.items()})
    return env


def serve_refused(database_url: str, **popen: Any) -> "subprocess.CompletedProcess[str]":
    """Run `timeline serve` where it must stop before listening (a port it cannot bind)."""
    return subprocess.run(
        serve_command(port=1),
        cwd=REPO_ROOT,
        env=serve_env(database_url),
        capture_output=True,
        text=True,
        timeout=60,
        **popen,
    )


@contextmanager
def serve(
    database_url: str,
    *,
    workers: int = 1,
    timeout: float = 20.0,
    settings: dict[str, str] | None = None,
    **popen: Any,
) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        serve_command(port=port, workers=workers),
        cwd=REPO_ROOT,
        env=serve_env(database_url, **(settings or {})),
        **popen,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"timeline serve exited with {proc.returncode}")
            try:
                if httpx.get(base + "/static/site.css", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("timeline serve did not start in time")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass(frozen=True)
class Reply:
    path: str
    status: int
    seconds: float
    json: Any  # the body of a JSON answer, else None


def read_until(
    base: str, paths: list[str], done: Callable[[], bool], *, clients: int = 3
) -> list[Reply]:
    """`clients` threads request `paths` in turn, again and again, until `done()`."""
    replies: list[Reply] = []

    def read() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            while not done():
                for path in paths:
                    started = time.perf_counter()
                    response = client.get(path)
                    seconds = time.perf_counter() - started
                    is_json = response.headers.get("content-type", "").startswith(
                        "application/json"
                    )
                    body = response.json() if is_json and response.status_code == 200 else None
                    replies.append(Reply(path, response.status_code, seconds, body))

    threads = [threading.Thread(target=read) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies
