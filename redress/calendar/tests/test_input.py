"""Bad input to the calendar's endpoints: a 422 naming the field, never a 500 (found by the API fuzz run,
scripts/fuzz-api.sh)."""

import pytest

from redress.api.tests.conftest import bearer_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("cutoff", ["00:00:00Z", "17:00+08:00", "17:00:00-05:00"])
def test_a_cut_off_with_a_time_zone_is_a_field_error(bank, cutoff):
    # `cutoff=00:00:00Z` was a 500: the calculator only counts in local times of day.
    response = bearer_client(bank.teller).get(
        "/api/v1/calendar/deadline",
        {"start": "2026-09-30T16:30:00+08:00", "calendar_days": 0, "cutoff": cutoff},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422, response.content
    assert list(response.json()["errors"]) == ["cutoff"]
    assert "local time" in response.json()["errors"]["cutoff"][0]


@pytest.mark.parametrize(
    "query",
    [
        # Each was a 500 (a date past year 9999, or before year 1, in the sums).
        {"start": "9999-12-30T00:00:00+08:00", "working_days": 100_000},
        {"start": "9999-12-30T00:00:00+08:00", "calendar_days": 3},
        {"start": "9999-12-31T23:00:00+08:00", "hours": 5},
        {"start": "0001-01-01T00:00:00+08:00", "working_days": 3},
        {"start": "0001-01-01T00:00:00", "hours": 3},
        # Answered in Beijing's local mean time, "+08:05:43": not an ISO 8601 offset (schemathesis).
        {"start": "0277-11-03T14:43:52Z", "working_days": 3},
        {"start": "1900-12-31T12:00:00+08:00", "calendar_days": 1},
    ],
)
def test_a_start_outside_the_years_the_calculator_counts_in_is_a_field_error(bank, query):
    response = bearer_client(bank.teller).get(
        "/api/v1/calendar/deadline", query, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422, response.content
    assert response.json()["errors"] == {"start": ["Give a start in the years 1901 to 2999."]}


def test_the_first_and_last_years_still_count(bank):
    client = bearer_client(bank.teller)
    first = client.get(
        "/api/v1/calendar/deadline", {"start": "1901-01-01T00:00:00+08:00", "calendar_days": 1}
    )
    assert first.status_code == 200 and first.json()["due_at"] == "1901-01-03T00:00:00+08:00"
    last = client.get(
        "/api/v1/calendar/deadline", {"start": "2999-12-31T09:00:00+08:00", "working_days": 100_000}
    )
    assert last.status_code == 200, last.content


def test_every_refusal_of_the_calculator_is_named_at_once(bank):
    response = bearer_client(bank.teller).get(
        "/api/v1/calendar/deadline", {"start": "0001-01-01T00:00:00", "hours": 1, "cutoff": "00:00"}
    )
    assert response.status_code == 422 and set(response.json()["errors"]) == {"start", "cutoff"}
