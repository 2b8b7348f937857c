"""The reference data's tokens ride along with an API request's token (one statement fewer a registration,
issue 16): kept on the staff member the token authenticated, taken once by the registration they make."""

import pytest
from django.db import connection

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


def test_the_reading_taken_with_the_token_is_the_registrations_once(bank):
    taken = stored_tokens()
    staff = staff_for_token(ApiToken.issue(bank.teller))
    assert staff == bank.teller
    rename_outlet()
    with reference.pinned(staff):
        # The reading taken with the token: the registration's one reading.
        assert reference.tokens() == taken
    with reference.pinned(staff):
        # Taken once: the next block reads again, and sees the change.
        assert reference.tokens() == stored_tokens() != taken
        assert active_unit("A1-1").name == "改名网点"


def test_a_block_given_no_primed_staff_member_reads_the_tokens(bank):
    staff_for_token(ApiToken.issue(bank.teller))
    rename_outlet()
    with reference.pinned(bank.teller):
        assert reference.tokens() == stored_tokens()
        assert active_unit("A1-1").name == "改名网点"


def test_the_reading_keeps_every_token(bank):
    reference.seed()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {reference.reading_sql(connection.vendor)}")
        text = cursor.fetchone()[0]
    assert reference.parse_reading(text) == stored_tokens()
    assert len(stored_tokens()) >= 5
