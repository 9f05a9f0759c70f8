"""A monolith nobody here wrote, extracted as the sample shop is (issue 11).

The clinic fixture's `api` blueprint is extracted as `front_desk` in the transplant style
(`tests/support/clinic_stack.py`), backfilled and run on the real broker; the proxy sends
the extracted routes to it (service mode, HTTP envelope) and every request is compared with
the clinic's own answer: anonymous, revoked and valid tokens, unknown ids, bad input, writes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from clinic_stack import CLINIC_REQUESTS, ClinicStack, clinic_stack

from strangler_proxy.compare import format_report, run_comparison
from strangler_proxy.requests_file import parse_requests

pytestmark = pytest.mark.rabbitmq


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, amqp_uri: str) -> Iterator[ClinicStack]:
    with clinic_stack(tmp_path_factory.mktemp("clinic"), amqp_uri) as running:
        yield running


def test_the_extracted_api_answers_as_the_clinic_does(stack: ClinicStack) -> None:
    report = run_comparison(
        stack.monolith_url, stack.proxy_url, parse_requests("\n".join(CLINIC_REQUESTS))
    )

    assert report.ok, format_report(report)
    totals = report.to_dict()["totals"]
    assert totals["compared"] == totals["equal"] == len(CLINIC_REQUESTS)
    assert totals["not_served_by_service"] == 0
