"""Schemathesis over the whole HTTP API, on both databases: no 5xx, no response outside the schema.

Fast by default (six cases per operation); `make test FULL=1` (BESVAR_FUZZ=full) runs 200 per operation.
"""

import os
from collections import defaultdict

import pytest

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_headers_conformance, response_schema_conformance,
                                               status_code_conformance)

from app.config import Settings
from app.main import create_app

FULL = os.environ.get("BESVAR_FUZZ") == "full"
CASES = 200 if FULL else 6
# The checks that say "the server broke" or "the answer is not what the schema promises".
# Left out: positive_data_acceptance and the like, which expect a 2xx for any well-formed
# request — a random letter id is well-formed and rightly a 404.
CHECK_FUNCTIONS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
                   response_headers_conformance, negative_data_rejection]


# A body over the size limit is rightly refused with 413, which the check does not list by default.
CONFIG = SchemathesisConfig.from_str("""
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
""")
# The schema comes from an app on no database; each case is sent to the test's own app below.
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(Settings(database_url="sqlite://")), config=CONFIG)


def _role(path: str) -> str:
    """Approvers approve and return letters; everything else is the secretariat's."""
    return "approver" if path.endswith(("/approve", "/return")) else "drafter"


@schema.auth(refresh_interval=None)
class Tokens:
    """The auth hook: each case carries a real token of the role its operation needs (tokens differ per test)."""

    api = None

    def get(self, case, context):
        return Tokens.api.headers(_role(case.path))["Authorization"] if Tokens.api else None  # None while collecting

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": data}


@schema.parametrize()
# print_blob: a full-mode failure (random cases, no example database) prints the
# @reproduce_failure line that replays it exactly.
@settings(max_examples=CASES, deadline=None, derandomize=not FULL, database=None, print_blob=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_holds_its_schema(case, api):
    Tokens.api = api
    response = case.call_and_validate(app=api.client.app, checks=CHECK_FUNCTIONS)
    STATUSES[case.operation.label].add(response.status_code)


STATUSES: dict[str, set[int]] = defaultdict(set)
# The check below reads what the cases recorded in this process: under pytest-xdist they must share one worker.
pytestmark = pytest.mark.xdist_group("fuzz")


def test_the_fuzzing_got_past_the_login():
    """Runs after the cases above: list and create operations answered 2xx, so the tokens worked."""
    if not STATUSES:
        pytest.skip("run together with test_every_operation_holds_its_schema")
    succeeded = [op for op, codes in STATUSES.items() if any(200 <= c < 300 for c in codes)]
    # Without working tokens only /healthz would; ids drawn at random mostly miss, so 404s are expected there.
    assert len(succeeded) >= 8, "; ".join(f"{k}: {sorted(v)}" for k, v in STATUSES.items())
