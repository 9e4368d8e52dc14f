"""The OpenAPI schema, fuzzed both ways: every answer matches the schema and no input
makes a 5xx but the documented 503 and 507; and what the schema allows, the server
accepts (positive data), so the schema says exactly what the server takes."""

from __future__ import annotations

from typing import Any

import hypothesis
import schemathesis
from schemathesis import Case, HookContext
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
positive = schemathesis.openapi.from_asgi(
    "/openapi.json",
    app,
    config=schemathesis.Config.from_dict({"generation": {"mode": "positive"}}),
)


@positive.hook
def before_process_path(context: HookContext, path: str, methods: dict[str, Any]) -> None:
    # An uploaded file is bytes in some chat format, which no schema can describe: the
    # positive run posts JSON bodies only (the run above posts multipart too).
    body = methods.get("post", {}).get("requestBody", {}).get("content", {})
    body.pop("multipart/form-data", None)


SETTINGS = hypothesis.settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)


@schema.parametrize()
@SETTINGS
def test_the_api_answers_any_input_within_its_schema(case: Case[Any]) -> None:
    response = case.call()
    assert response.status_code < 500 or response.status_code in (503, 507), response.text
    # A schema-valid body is not always a valid conversation: `content` must parse in
    # some chat format, which no JSON schema can say. Such a body is a 400 by design.
    case.validate_response(response, excluded_checks=[positive_data_acceptance])


def _is_file_text(case: Case[Any]) -> bool:
    return (
        case.operation.path == "/api/analyze"
        and isinstance(case.body, dict)
        and ("content" in case.body or "files" in case.body)
    )


@positive.parametrize()
@SETTINGS
def test_what_the_schema_allows_the_server_accepts(case: Case[Any]) -> None:
    response = case.call()
    if _is_file_text(case):
        # The one refusal no schema can state: text that is no chat export. It must be
        # that refusal (input_error, naming the formats tried or the one that broke),
        # never another.
        if response.status_code == 400:
            body = response.json()
            assert body["code"] == "input_error", response.text
            assert {"tried", "format"} & set(body.get("details") or {}), response.text
        case.validate_response(response, excluded_checks=[positive_data_acceptance])
        return
    if case.operation.path == "/api/analyze":
        # A message list: any is accepted, unless its chosen id already holds another
        # (an earlier example's) file, or `force` would replace a job another request
        # owns: refusals of state, not of the request's shape.
        code = response.json().get("code") if response.status_code >= 400 else None
        taken = response.status_code == 409 and code == "conversation_taken"
        forced = isinstance(case.body, dict) and case.body.get("force") is True
        not_owner = response.status_code == 403 and code == "forbidden" and forced
        assert response.status_code in (200, 202) or taken or not_owner, response.text
    case.validate_response(response)
