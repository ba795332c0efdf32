"""The audit trail's rules: the search a URL names, a row's changes, and a name for every
action the services write."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from bookings.reports.audit_rules import (
    ACTIONS,
    Search,
    action_label,
    changes,
    field_label,
    parse_search,
)
from rental.tables import CHARGE_KINDS, CREDIT_KINDS

TODAY = date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("params", "expected", "errors"), [
    ({}, Search(starts=TODAY - timedelta(days=29), ends=TODAY), {}),
    ({"member": "m00042"}, Search(member_id=42, starts=TODAY - timedelta(days=29), ends=TODAY),
     {}),
    ({"member": "555 12 34 56"}, Search(member_phone="+995555123456",
                                        starts=TODAY - timedelta(days=29), ends=TODAY), {}),
    ({"member": "ნინო"}, None, {"member"}),
    ({"action": "loan.check_out", "actor": "7", "centre": "2", "unit": "SMG-0001"},
     Search(action="loan.check_out", actor=7, centre=2, unit="SMG-0001",
            starts=TODAY - timedelta(days=29), ends=TODAY), {}),
    ({"action": "drop table"}, None, {"action"}),
    ({"actor": "-1"}, None, {"actor"}),
    ({"actor": "٣"}, None, {"actor"}),  # an Arabic-Indic digit is a digit, not our number
    ({"centre": "all"}, Search(starts=TODAY - timedelta(days=29), ends=TODAY), {}),
    ({"centre": "x"}, None, {"centre"}),
    ({"from": "2026-01-01", "to": "2026-01-31"},
     Search(starts=date(2026, 1, 1), ends=date(2026, 1, 31)), {}),
    ({"from": "2026-02-01", "to": "2026-01-31"}, None, {"to"}),
    ({"from": "2020-01-01", "to": "2026-01-31"}, None, {"to"}),
    ({"from": "31.01.2026"}, None, {"from"}),
    ({"page": "0"}, Search(starts=TODAY - timedelta(days=29), ends=TODAY, page=1), {}),
    ({"page": "3"}, Search(starts=TODAY - timedelta(days=29), ends=TODAY, page=3), {}),
])
def test_the_search_a_url_names(params, expected, errors):
    search, found = parse_search(params, TODAY)
    assert set(found) == set(errors)
    if expected is not None:
        assert search == expected


def test_a_rows_changes_keep_their_order_and_mark_money():
    assert changes({"status": "out"}, {"status": "returned", "amount": 500}) == [
        ("status", "out", "returned", False), ("amount", None, 500, True)]
    assert changes(None, None) == []
    assert field_label("starts_on") == "Pick-up day"
    assert field_label("odd_key") == "odd key"


def _written_actions() -> set[str]:
    """Every action name the services pass to the audit log, read from their source."""
    found: set[str] = set()
    call = re.compile(
        r"""(?:audit(?:_log)?\.record|audit\.entry|\.audit|\baudit)\(\s*"([a-z_.]+)\"""")
    for package in ("rental", "inventory", "bookings", "toollib"):
        for path in (ROOT / package).rglob("*.py"):
            found |= set(call.findall(path.read_text(encoding="utf-8")))
    # the names made from a value: ledger.{kind}, enrolment.{status}, {entity}.create|update
    found |= {f"ledger.{kind}" for kind in (*CHARGE_KINDS, *CREDIT_KINDS)}
    found |= {"enrolment.enrolled", "enrolment.waitlisted"}
    found |= {f"{entity}.{verb}" for entity in ("centre", "category", "skill", "tool_type")
              for verb in ("create", "update")}
    return found


def test_every_action_the_services_write_has_a_name():
    written = _written_actions()
    assert {"loan.check_out", "booking.create", "unit.transfer", "login"} <= written
    assert sorted(written - set(ACTIONS)) == []
    assert action_label("something.old") == "something.old"
