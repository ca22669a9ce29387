"""The OpenAPI description is the read API's contract. Schemathesis generates requests from
it (valid and invalid ones) against the ASGI app and checks every answer: no server error,
only documented status codes, content types and bodies, valid input accepted, invalid
input refused. The run must end with no failure and no warning (such as "every valid
request was rejected": a schema that does not say what the API accepts)."""

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from schemathesis.cli.commands.run.warnings import WarningCollector
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from schemathesis.generation.modes import GenerationMode

from app.main import app
from app.web.filters import BadParam, parse_date
from app.web.state import today
from tests.web.fixtures_data import ALIAS, ARTICLES, EVENTS

# Bounds the random (fuzzing) phase per operation; the coverage phase adds a fixed set of
# boundary cases per parameter. The whole run takes about 30 s.
MAX_EXAMPLES = 15
CONFIG = f"""
seed = 20240530

[generation]
max-examples = {MAX_EXAMPLES}

# Sequences of calls linked by their answers: reading has none worth following.
[phases.stateful]
enabled = false

[dictionaries.event-ids]
values = {[e.id for e in EVENTS] + [ALIAS[0]]!r}

[dictionaries.article-ids]
values = {[a.id for a in ARTICLES]!r}

[parameters]
"path.event_id" = {{ dictionary = "event-ids", probability = 0.5 }}
"path.article_id" = {{ dictionary = "article-ids", probability = 0.5 }}
"""


def _dates_make_sense(query: dict[str, Any]) -> bool:
    """What a schema cannot say: real calendar days, a period that does not end before
    it starts (the events' date_from and date_to; the policy changes' from and to,
    which defaults to today)."""
    days = {}
    for name, end in (("date_from", False), ("date_to", True), ("from", False), ("to", True)):
        raw = query.get(name)
        if isinstance(raw, str) and raw.strip(" "):
            try:
                days[name] = parse_date(raw.strip(" "), name=name, end=end)
            except BadParam:
                return False
    raw_as_of = query.get("as_of")
    if isinstance(raw_as_of, str) and raw_as_of.strip(" "):
        try:
            parse_date(raw_as_of.strip(" "), name="as_of", end=True)
        except BadParam:
            return False
    if "date_from" in days and "date_to" in days and days["date_from"] > days["date_to"]:
        return False
    return "from" not in days or days["from"] <= days.get("to", today())


class _Operations:
    """The little the warning collector asks of the CLI's context."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema

    def find_operation(self, label: str) -> Any:
        return self.schema.find_operation_by_label(label)


def test_the_read_api_keeps_its_openapi_contract(client: TestClient) -> None:
    # `client` loads the corpus and points the app at it; schemathesis calls the app itself.
    # Every GET operation: the review endpoints' bodies follow rules no schema states (a
    # span inside its article, fields naming known entities); tests/web/test_review_api.py
    # checks their answers.
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", app, config=SchemathesisConfig.from_str(CONFIG)
    ).include(method="GET")

    @schema.hook
    def filter_case(context: Any, case: Any) -> bool:
        if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
            return True
        return _dates_make_sense(case.query or {})

    warnings = WarningCollector(schema.config)
    operations = _Operations(schema)
    failures: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            warnings.on_scenario_finished(operations, event)
            if event.status in (Status.FAILURE, Status.ERROR):
                for case_id, checks in event.recorder.checks.items():
                    case = event.recorder.cases[case_id].value
                    for check in checks:
                        if check.failure_info is not None:
                            failures.append(
                                f"{event.recorder.label} {check.name}: "
                                f"{check.failure_info.failure.title} "
                                f"(path {case.path_parameters}, query {case.query})"
                            )
        elif isinstance(event, events.SchemaAnalysisWarnings):
            warnings.on_schema_warnings(event)
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            failures.append(repr(event))
    failures = sorted(set(failures))
    assert failures == [], "\n".join(failures)
    assert {kind: labels for kind, labels in warnings.data.as_labels().items() if labels} == {}
