"""The ASGI app (`uvicorn app.main:app`): pages, JSON API and exports, read-only for
anonymous visitors; editors write through the review desk (/review, /api/.../review)."""

import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from app.web import api, desk, docs, errors, exports, pages, review_api, state
from app.web.head import HeadAsGet
from app.web.security import SecurityHeaders
from app.web.startup import RequireDatabase
from app.web.templating import STATIC_DIR
from app.web.warm import warm

GIL_SWITCH_INTERVAL = 0.001
# A collection of the youngest generation after this many new containers, not 700: see
# lifespan.
GC_THRESHOLDS = (20_000, 10, 10)


class TimelineApp(FastAPI):
    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            schema = super().openapi()
            # Invalid parameters answer 400 (app.web.errors), never FastAPI's own 422 (a 422
            # a route declares itself stays).
            for operations in schema["paths"].values():
                for operation in operations.values():
                    answer = operation["responses"].get("422", {})
                    if "HTTPValidationError" in str(answer.get("content")):
                        del operation["responses"]["422"]
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
        return self.openapi_schema or {}

    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's ServerErrorMiddleware, which answers an unhandled error
        # itself: middleware added with add_middleware would never see that 500.
        return RequireDatabase(SecurityHeaders(HeadAsGet(super().build_middleware_stack())))


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Cached answers are written by the event loop while a compute thread renders new
    # views (app.web.threads): with a 1 ms GIL switch interval (5 ms by default) the loop
    # gets the GIL back sooner. bench/web_bench.py --only busting, shared 2-core machine:
    # cached p95 104-140 ms before, 36-85 ms after.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    await anyio.to_thread.run_sync(warm)
    # What startup made (modules, templates, the warmed policy state) lives as long as
    # the worker: frozen, no collection walks it again. A request then allocates and
    # drops thousands of containers: at the default threshold the collector ran about 160
    # times a second, promoted the objects of the requests in flight, and walked the
    # older generations every second or so, for almost nothing (1,300 objects freed by 15
    # full collections). That was 10% of a busy worker's CPU, and pauses of up to 57 ms
    # holding every thread; with 20,000 about 2%, and no full collection in a
    # 1,200-request load (bench/web_bench.py --only misses; the p95 of a search fell
    # from 350-400 to about 300 ms).
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    yield


def create_app() -> FastAPI:
    app = TimelineApp(
        lifespan=lifespan,
        title="Weapons-use policy timeline",
        description=(
            "How Western governments restrict or authorize Ukraine's use of supplied "
            "weapons against Russia, and how Russia warns in return: dated events, each "
            "traceable to quotes in named sources. Reading needs no account; the review "
            "endpoints need an API token (Authorization: Bearer)."
        ),
        version="1",
        docs_url=None,  # served by app.web.docs from local files: no CDN
        redoc_url=None,
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(pages.router)
    app.include_router(exports.router)
    app.include_router(api.router)
    app.include_router(review_api.router)
    app.include_router(desk.router)
    app.include_router(state.router)
    app.include_router(state.api_router)
    app.include_router(docs.router)
    errors.install(app)
    return app


app = create_app()
