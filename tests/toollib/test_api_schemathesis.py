"""The API against its own schema (issue 22): Schemathesis reads /api/v1/schema from the live
server and sends every operation a bounded number of generated requests, derandomized (the
same examples on every run), as desk staff with a bearer token and then with none. Every
answer: no server error, a status the operation documents, its content type and its body
schema; without a token every protected operation answers 401."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import journeys
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

live_server = journeys.live_server

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = 20
DESK_STAFF = "+995555000003"  # the demo's desk at Samgori


def _token(phone: str) -> str:
    done = subprocess.run([sys.executable, "-m", "toollib.cli", "api-token", "create", "--user",
                           phone, "--label", "schemathesis"], env=journeys.live_server_env(),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def _exercise(base: str, headers: dict[str, str], expect=None) -> Counter:
    """Every operation of the schema, EXAMPLES cases each: how often each answered what,
    by (method, path, status)."""
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/schema/openapi.json")
    session = requests.Session()
    operations = [result.ok() for result in schema.get_all_operations()]
    answers: Counter = Counter()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            response = case.call_and_validate(base_url=base, session=session, headers=headers,
                                              checks=CHECKS)
            answers[case.method, case.path, response.status_code] += 1
            if expect is not None:
                expect(case, response)

        run()
    assert {(method, path) for method, path, _ in answers} == {
        (o.method.upper(), o.path) for o in operations}
    return answers


def _protected(case) -> bool:
    return any(requirement for requirement in case.operation.definition.raw.get("security", []))


@pytest.mark.xdist_group("live-api")
async def test_every_operation_conforms_to_the_schema_as_desk_staff(live_server):
    token = _token(DESK_STAFF)
    answers = _exercise(live_server, {"Authorization": f"Bearer {token}"})
    print(sorted(answers.items()))
    assert len({(method, path) for method, path, _ in answers}) >= 6
    assert not any(status == 401 for _, _, status in answers)  # the token is taken
    assert any(status == 200 for _, _, status in answers)

@pytest.mark.xdist_group("live-api")
async def test_without_a_token_every_protected_operation_answers_401(live_server):
    def refused(case, response) -> None:
        if _protected(case):
            assert response.status_code == 401, (case.path, response.text)
            assert response.json()["errors"]["form"]

    answers = _exercise(live_server, {}, refused)
    assert any(status == 401 for _, _, status in answers)
