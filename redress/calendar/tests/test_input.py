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
