"""Property-based fuzzing of the whole API against its own OpenAPI document (Schemathesis, in-process WSGI).

Every operation gets valid and invalid requests as a signed-in member; no response may be a
5xx, and every response must match the document: status, content type, headers and body.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
EXAMPLES_PER_OPERATION = 10


@pytest.fixture
def config(config):
    """No rate limit in the way of a fuzzer that sends hundreds of requests a minute."""
    return config.with_overrides(api_rate_limit_per_minute=1_000_000)


@pytest.fixture
def session(api, runtime):
    """A signed-in member with an activity to look at and records of their own."""
    runtime.activities.create(title="职工健步走", city="杭州", place="西湖文化广场", capacity=5,
                              starts_at=runtime.clock() + timedelta(days=3))
    member = api.login("fuzzing-member")
    member.post("/tickets", json={"kind": "consultation", "text": "加班费怎么算？"})
    return {"member": member, "api": api}


@pytest.fixture
def api_schema(app):
    """The document as served by the app, loaded by Schemathesis."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                    max_examples=EXAMPLES_PER_OPERATION, database="none")
    # The coverage phase spends minutes deriving boundary values; random valid and invalid data is enough here.
    schema.config.phases.coverage.enabled = False
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_document(case, session):
    if case.media_type == "multipart/form-data" and not isinstance(case.body, dict):
        return  # a negative multipart body the WSGI test client cannot even encode; nothing reaches the app
    response = case.call_and_validate(headers=session["member"].headers, checks=CHECKS)
    if case.path.endswith("/auth/logout") and response.status_code == 204:
        session["member"] = session["api"].login("fuzzing-member")  # keep fuzzing signed in


# ---- extreme and hostile values for every operation's query parameters and body fields --------------------
# Schemathesis keeps to what the document allows; these go past it: dates at the ends of the calendar,
# integers past 64 bits, NUL characters (PostgreSQL refuses them), lone surrogates, very long text.

from hypothesis import given, strategies as st  # noqa: E402

from miniprogram_api.routes import ROUTES  # noqa: E402

EXTREMES = ["0001-01-01", "9999-12-31", "0000-00-00", "-1", "0", "2147483648", "9" * 30, "1e309", "NaN", "true",
            "", " ", "\x00", "a\x00b", "%00", "🙂" * 300, "杭州" * 500]
# The listed values three times as likely as the random ones: boundaries are where servers break.
EXTREME = st.sampled_from(EXTREMES) | st.sampled_from(EXTREMES) | st.sampled_from(EXTREMES) \
    | st.text(max_size=50) | st.integers().map(str) | st.dates().map(str)
JSON_VALUE = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | EXTREME
                          | st.just("\ud800"),
                          lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8),
                                                                                           children, max_size=3),
                          max_leaves=6)
ROUTES_WITH_INPUT = [r for r in ROUTES if r.query is not None or r.body is not None]


def _path(route, draw_id: str) -> str:
    import re

    return re.sub(r"<(?:\w+:)?\w+>", draw_id, route.path)


@pytest.mark.parametrize("route", ROUTES_WITH_INPUT, ids=lambda r: f"{r.method} {r.path}")
@settings(max_examples=40, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_extreme_parameters_and_bodies_never_cause_a_server_error(route, session, data):
    fields = route.query or route.body
    strategies = {name: (EXTREME if route.query else JSON_VALUE) for name in fields.model_fields}
    values = data.draw(st.fixed_dictionaries(strategies) | st.fixed_dictionaries({}, optional=strategies))
    path = "/api/v1" + _path(route, data.draw(st.sampled_from(["1", "2147483648", "abc"])))
    client, headers = session["api"].client, session["member"].headers
    if route.query is not None:
        from urllib.parse import urlencode

        response = client.open(path + "?" + urlencode(values), method=route.method, headers=headers)
    else:
        response = client.open(path, method=route.method, headers=headers, json=values)
    assert response.status_code < 500, (values, response.get_data(as_text=True))
    if response.status_code == 204 and route.path.endswith("/auth/logout"):
        session["member"] = session["api"].login("fuzzing-member")
