"""The ASGI app (`uvicorn app.main:app`): pages, JSON API and exports, read-only."""

from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from app.web import api, docs, errors, exports, pages
from app.web.head import HeadAsGet
from app.web.security import SecurityHeaders
from app.web.startup import RequireDatabase
from app.web.templating import STATIC_DIR


class TimelineApp(FastAPI):
    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            schema = super().openapi()
            # Invalid parameters answer 400 (app.web.errors), never FastAPI's 422.
            for operations in schema["paths"].values():
                for operation in operations.values():
                    operation["responses"].pop("422", None)
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
        return self.openapi_schema or {}

    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's ServerErrorMiddleware, which answers an unhandled error
        # itself: middleware added with add_middleware would never see that 500.
        return RequireDatabase(SecurityHeaders(HeadAsGet(super().build_middleware_stack())))


def create_app() -> FastAPI:
    app = TimelineApp(
        title="Weapons-use policy timeline",
        description=(
            "How Western governments restrict or authorize Ukraine's use of supplied "
            "weapons against Russia, and how Russia warns in return: dated events, each "
            "traceable to quotes in named sources. Read-only."
        ),
        version="1",
        docs_url=None,  # served by app.web.docs from local files: no CDN
        redoc_url=None,
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(pages.router)
    app.include_router(exports.router)
    app.include_router(api.router)
    app.include_router(docs.router)
    errors.install(app)
    return app


app = create_app()
