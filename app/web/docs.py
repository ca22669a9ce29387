"""Swagger UI for the OpenAPI description, from vendored files (the site works offline)."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.web.templating import render

router = APIRouter(include_in_schema=False)
SWAGGER_DIR = "swagger-ui-5.35.0"


@router.get("/docs", name="docs")
def docs(request: Request) -> Response:
    return render(request, "docs.html", {"swagger_dir": SWAGGER_DIR})
