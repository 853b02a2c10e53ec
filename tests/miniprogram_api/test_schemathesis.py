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
