"""The Jinja2 environment (autoescaped) and the helpers templates use."""

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.requests import Request

from app.models import EVENT_TYPES
from app.review.history import LABELS as REVIEW_LABELS
from app.slugs import slugify
from app.web import formatting
from app.web.links import absolute
from app.web.timeline import lane_markers, type_shape

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
HTMX_FILE = "htmx-2.0.11.min.js"

templates = Jinja2Blocks(directory=str(TEMPLATES_DIR))
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


def edit_query(
    request: Request,
    *,
    set: dict[str, str | None] | None = None,
    add: tuple[str, str] | None = None,
    remove: tuple[str, str] | None = None,
    drop: tuple[str, ...] = (),
    path: str = "/",
) -> str:
    """A link to the current view with some parameters changed (DESIGN: the URL is the state).

    Empty values are dropped, and any change except `page` itself goes back to page 1.
    """
    items = [(k, v) for k, v in request.query_params.multi_items() if v.strip()]
    changed = set or {}
    names = {*changed, *drop}
    if not (names <= {"page"}) or add or remove:
        names.add("page")
    items = [(k, v) for k, v in items if k not in names and (k, v) != remove]
    if add and add not in items:
        items.append(add)
    items += [(k, v) for k, v in changed.items() if v]
    query = urlencode(items)
    return f"{path}?{query}" if query else path


def static_url(path: str) -> str:
    # A plain path: Starlette's url_for walks every route on each call.
    return f"/static/{path}"


templates.env.globals.update(
    edit_query=edit_query,
    absolute=absolute,
    static_url=static_url,
    EVENT_TYPES=EVENT_TYPES,
    HTMX_FILE=HTMX_FILE,
    lane_markers=lane_markers,
    type_shape=type_shape,
)


def safe_url(url: str | None) -> bool:
    """Only http(s) links from ingested data become hrefs (never javascript: and the like)."""
    return bool(url) and str(url).lower().startswith(("http://", "https://"))


def review_value(value: object) -> str:
    """A field's value in the review history: lists joined, nothing as "none"."""
    if value is None or value == []:
        return "none"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


templates.env.filters.update(
    review_value=review_value,
    action_label=lambda action: REVIEW_LABELS.get(action, action),
    safe_url=safe_url,
    num="{:,}".format,
    slug=slugify,
    event_date=lambda e: formatting.format_event_date(e.date, e.date_precision, e.date_basis),
    date_label=formatting.format_date,
    basis_note=formatting.basis_note,
)


def is_fragment(request: Request, target: str) -> bool:
    """An htmx request that swaps only `target` (a boost or history restore wants the page)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Target") == target
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    blocks: list[str] | None = None,
    fragment_target: str = "results",
) -> Any:
    """The full page, or only `blocks` when htmx asks for `fragment_target`."""
    headers = {"Vary": "HX-Request, HX-Target"}
    if blocks and is_fragment(request, fragment_target):
        context = {**context, "fragment": True}
        return templates.TemplateResponse(
            request, name, context, status_code=status_code, headers=headers, block_names=blocks
        )
    return templates.TemplateResponse(
        request, name, context, status_code=status_code, headers=headers
    )
