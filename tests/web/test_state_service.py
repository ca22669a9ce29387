"""The state process's protocol (app/web/state_service.py), in process: a listener
thread answering as the state process does, and the app asking it as a worker does.
tests/web/test_workers.py runs the real processes."""

import datetime as dt
import pickle
import threading
from collections.abc import Iterator
from dataclasses import replace
from multiprocessing import AuthenticationError
from multiprocessing.connection import Listener
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import get_settings
from app.state.compute import PolicyEvent, StateIndex
from app.web import cache, state, state_service
from tests.web.test_state import E1, E3

KEY = b"k" * 32
# Every page and answer that reads the policy state, the event pages included.
PAGES = [
    "/state?as_of=2024-06-01",
    "/state?as_of=2024-06-01&actor=germany",
    "/state/changes?from=2024-01-01&to=2024-12-31",
    "/state/changes.atom?to=2024-12-31",
    "/state/cells/united-states/atacms?as_of=2024-06-01",
    "/state/cells/germany/all-supplied-weapons?as_of=2024-12-31&reviewed=false",
    "/api/state?as_of=2024-06-01",
    "/api/state/changes?from=2024-01-01&to=2024-12-31",
    f"/events/{E1}",
    f"/events/{E3}",
]


@pytest.fixture
def listening(tmp_path: Path) -> Iterator[str]:
    address = str(tmp_path / "state.socket")
    listener = Listener(address, family="AF_UNIX", authkey=KEY)
    threading.Thread(target=state_service._answer_all, args=(listener,), daemon=True).start()
    yield address
    listener.close()


def _ask_state_process(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    """The settings `timeline serve --workers` gives its workers."""
    monkeypatch.setenv("STATE_SOCKET", address)
    monkeypatch.setenv("STATE_KEY", KEY.hex())
    get_settings.cache_clear()
    cache.clear()


def test_pages_read_the_same_state_from_the_state_process(
    client: TestClient, listening: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = {url: client.get(url) for url in PAGES}
    assert state._state_client() is None
    _ask_state_process(monkeypatch, listening)
    asked = state._state_client()
    assert asked is not None and asked.address == listening
    asked_for: set[str] = set()
    ask = state_service.StateClient.ask

    def recorded(self: state_service.StateClient, reviewed: object, question: str, *a, **k):  # type: ignore[no-untyped-def]
        asked_for.add(question)
        return ask(self, reviewed, question, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(state_service.StateClient, "ask", recorded)
    for url in PAGES:
        response = client.get(url)
        assert (response.status_code, response.text) == (200, local[url].text), url
    assert asked_for == state_service.QUESTIONS  # every question, none answered locally


def test_the_state_process_answers_queries_as_the_index_does(
    db: Session, site_settings: None, listening: str
) -> None:
    client = state_service.StateClient(listening, KEY)
    index = state.local_index(db)
    day = dt.date(2024, 6, 1)
    assert client.ask(None, "state", day) == index.state(day)
    assert client.ask(None, "actors") == ("germany", "united-kingdom", "united-states")
    assert client.ask(None, "detail", "united-states", "atacms", day) == index.detail(
        "united-states", "atacms", day
    )
    assert client.ask(None, "event", E1) == index.event(E1)
    assert client.ask(None, "event", "no-such-event") is None
    with pytest.raises(ValueError, match="not a question for the state process: 'events'"):
        client.ask(None, "events")


def test_a_view_asked_by_two_workers_is_computed_once(
    db: Session, site_settings: None, listening: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[dt.date] = []
    original = StateIndex.state

    def counted(self: StateIndex, day: dt.date, **view: object) -> object:
        computed.append(day)
        return original(self, day, **view)  # type: ignore[arg-type]

    monkeypatch.setattr(StateIndex, "state", counted)
    first, second = (state_service.StateClient(listening, KEY) for _ in range(2))
    day = dt.date(2024, 5, 17)
    assert first.ask(None, "state", day) == second.ask(None, "state", day)
    assert second.ask(None, "state", day, actors=("germany",)).rows[0].actor == "germany"
    assert computed == [day, day]  # the whole view once, Germany's row once


def test_a_wrong_key_is_refused(loaded: object, site_settings: None, listening: str) -> None:
    with pytest.raises(AuthenticationError):
        state_service.StateClient(listening, b"x" * 32).ask(None, "actors")
    # The listener goes on answering the others.
    assert state_service.StateClient(listening, KEY).ask(None, "undated_count") >= 0


def test_without_a_state_process_pages_answer_503(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state_service, "WAIT_SECONDS", 0.3)
    _ask_state_process(monkeypatch, str(tmp_path / "nobody.socket"))
    message = "The policy state is not available while its process restarts. Try again in a minute."
    response = client.get("/api/state?as_of=2024-06-01")
    assert (response.status_code, response.json()) == (503, {"detail": message, "status": 503})
    response = client.get("/state?as_of=2024-06-01")
    assert response.status_code == 503 and message in response.text
    # Pages that do not read the policy state are served meanwhile.
    assert client.get("/").status_code == 200


def test_decisions_travel_whole() -> None:
    event = PolicyEvent(
        id="e1",
        type="restriction",
        actor="germany",
        weapons=("taurus",),
        places=(),
        date=dt.date(2024, 2, 1),
        precision="month",
        basis="published",
        reviewed=True,
    )
    undated = replace(event, id="e2", date=None, precision=None, basis="undated")
    assert pickle.loads(pickle.dumps(undated)) == undated
    copy = pickle.loads(pickle.dumps(event))
    assert copy == event
    assert (copy.day, copy.rank) == (event.day, event.rank) == (738945, 4433674)
    assert dt.date.fromordinal(copy.day) == dt.date(2024, 2, 29)  # a month counts from its end
