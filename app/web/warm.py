"""What a worker computes before it takes its first request, so that no visitor waits for
it: the policy-state index the event pages read (seconds at 200,000 events,
bench/web_bench.py --only cold), or, under `timeline serve --workers N`, the state
process's (app/web/state_service.py: the worker waits until it is built), and the names
the pages show. The facets and lanes of
the timeline need no warming: they are sums over the aggregates the database keeps.

A worker listens only once this is done (uvicorn runs the lifespan first): with
`timeline serve --workers N`, the others keep answering meanwhile. WARM_POLICY_STATE=false
skips it: the worker starts at once and holds the index only once a page asks for it
(whose visitor then waits for it).
"""

import logging

from app.config import get_settings
from app.db import SnapshotSession, get_read_only_engine
from app.web import state

logger = logging.getLogger("uvicorn.error")


def warm() -> None:
    if not get_settings().warm_policy_state:
        return
    try:
        with SnapshotSession(get_read_only_engine()) as session:
            state.state_index(session).undated_count()  # built (here or by the state process)
            state.state_names(session)
    except Exception:  # the pages compute it on first use instead
        logger.exception("warming the policy state failed")
