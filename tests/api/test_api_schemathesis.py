"""schemathesis against /api/v1/openapi.json: generated requests (valid and invalid) to every
operation, with a live token; no server error, and every reply as the document says.

The operations are driven with hypothesis directly (`operation.as_strategy()`): schemathesis'
own pytest plugin does not run under this pytest version.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from bff.api.openapi import openapi_document

from tests.support import PHONE

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
OPERATIONS = [(method.upper(), path) for path, item in openapi_document()["paths"].items() for method in item]
EXAMPLES = 40  # per operation, valid and invalid requests mixed


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_generated_requests_get_documented_replies_and_no_server_error(app, services, method, path):
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]
    user = services.accounts.user_for_phone(PHONE)

    modes = [operation.as_strategy(mode) for mode in schemathesis.GenerationMode]

    @given(case=st.one_of(modes))
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case):
        token = services.api_tokens.issue(user.id)  # a fresh one: the fuzzer may revoke it
        # identity: schemathesis' WSGI transport does not undo compression (tests/web checks it)
        case.call_and_validate(headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"},
                               checks=CHECKS)

    fuzz()
