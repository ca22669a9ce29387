"""The ASGI app (`uvicorn app.main:app`): pages, JSON API and exports, read-only for
anonymous visitors; editors write through the review desk (/review, /api/.../review)."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.web import api, desk, docs, errors, exports, pages, review_api, state
from app.web.security import SecurityHeaders
from app.web.templating import STATIC_DIR


def create_app() -> FastAPI:
    app = FastAPI(
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
    app.add_middleware(SecurityHeaders)
    return app


app = create_app()
