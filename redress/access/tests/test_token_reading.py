"""The reference data's tokens ride along with an API request's token (one statement fewer a registration,
issue 16), and the reading stays the request's own: taken once, dropped when the request ends, never
primed outside a request."""

import pytest
from django.db import connection
from django.test import Client

from redress.access.models import ApiToken
from redress.access.services import staff_for_token
from redress.common import reference
from redress.organisation.lookups import active_unit

pytestmark = pytest.mark.django_db


def rename_outlet() -> None:
    # Past the ORM, as another node would write: the organisation's token changes.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE organisation_unit SET name = %s WHERE code = %s", ["改名网点", "A1-1"])


def stored_tokens() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, token FROM {reference.TABLE}")
        return dict(cursor.fetchall())


def test_the_request_pins_the_reading_taken_with_its_token_once(bank):
    raw_token = ApiToken.issue(bank.teller)
    reference.request_started()
    try:
        taken = stored_tokens()
        assert staff_for_token(raw_token) == bank.teller
        rename_outlet()
        with reference.pinned():
            # The reading taken with the token, as the registration's one reading.
            assert reference.tokens() == taken
        with reference.pinned():
            # Taken once: the request's next block reads again, and sees the change.
            assert reference.tokens() == stored_tokens() != taken
            assert active_unit("A1-1").name == "改名网点"
    finally:
        reference.request_finished()


def test_a_reading_not_taken_is_dropped_when_its_request_finishes(bank):
    # A request that authenticates and registers nothing: its reading is never taken.
    client = Client(headers={"Authorization": f"Bearer {ApiToken.issue(bank.teller)}"})
    assert client.get("/api/v1/units").status_code == 200
    rename_outlet()
    with reference.pinned():
        assert reference.tokens() == stored_tokens()
        assert active_unit("A1-1").name == "改名网点"


def test_a_token_checked_outside_a_request_primes_nothing(bank):
    raw_token = ApiToken.issue(bank.teller)
    assert staff_for_token(raw_token) == bank.teller
    rename_outlet()
    with reference.pinned():
        assert active_unit("A1-1").name == "改名网点"


def test_the_reading_keeps_every_token(bank):
    reference.seed()
    text_sql = reference.reading_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {text_sql}")
        text = cursor.fetchone()[0]
    assert reference.parse_reading(text) == stored_tokens()
    assert len(stored_tokens()) >= 5
