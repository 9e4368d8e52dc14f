"""The OpenAPI schema, fuzzed: no 5xx but the documented 503 and 507, responses that
match the schema, on any input schemathesis can make of it."""

from __future__ import annotations

from typing import Any

import hypothesis
import schemathesis
from schemathesis import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance

from parley.api import create_app
from parley.settings import ExecutionMode, Settings

app = create_app(
    Settings(
        execution_mode=ExecutionMode.INLINE,
        analysis_processes=0,
        max_upload_bytes=64 * 1024,
        ttl_seconds=60,
    )
)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@hypothesis.settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_the_api_answers_any_input_within_its_schema(case: Case[Any]) -> None:
    response = case.call()
    assert response.status_code < 500 or response.status_code in (503, 507), response.text
    # A schema-valid body is not always a valid conversation: `content` must parse in
    # some chat format, which no JSON schema can say. Such a body is a 400 by design.
    case.validate_response(response, excluded_checks=[positive_data_acceptance])
