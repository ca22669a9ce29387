"""A worker builds the policy-state index before it takes requests (WARM_POLICY_STATE)."""

import gc
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.config import get_settings
from app.main import app
from app.web import state


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The `reviewed` variants of the policy-state index built, in order."""
    built: list[Any] = []
    build = state.build_index

    def recording(session: Any, *, reviewed: Any = None) -> Any:
        built.append(reviewed)
        return build(session, reviewed=reviewed)

    monkeypatch.setattr(state, "build_index", recording)
    monkeypatch.setattr(state, "_indexes", None)
    return built


def test_a_worker_builds_the_policy_state_before_its_first_request(
    loaded: Engine, site_settings: None, builds: list[Any]
) -> None:
    with TestClient(app) as client:
        assert builds == [None]
        assert client.get("/events/e100000000000001").status_code == 200
    assert builds == [None]  # the event page read the index built at startup


def test_without_warming_the_first_page_that_needs_it_builds_it(
    loaded: Engine, site_settings: None, builds: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARM_POLICY_STATE", "false")
    get_settings.cache_clear()
    with TestClient(app) as client:
        assert builds == []
        assert client.get("/events/e100000000000001").status_code == 200
    assert builds == [None]


def test_the_policy_state_index_is_left_out_of_garbage_collections(
    loaded: Engine, site_settings: None, builds: list[Any]
) -> None:
    """A collection would walk every object of the index (about a million at 200,000
    events) while every thread waits; frozen, it is never walked."""
    gc.unfreeze()
    try:
        with TestClient(app):
            assert state._indexes is not None
            index = state._indexes[1][None]
            assert gc.is_tracked(index)
            assert not any(found is index for found in gc.get_objects())
    finally:
        gc.unfreeze()
