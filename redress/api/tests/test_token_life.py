"""API tokens' life: expiry, revocation on a password change or deactivation, listing and revoking by their
owner and by administrators, last_used_at kept to the minute."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from redress.access.models import ApiToken, hash_token
from redress.testing import PASSWORD

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token"


def issue(username: str) -> dict:
    response = Client().post(
        TOKEN_URL, {"username": username, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def opens(token: str) -> bool:
    return bearer(token).get("/api/v1/units").status_code == 200


def row(issued: dict) -> ApiToken:
    return ApiToken.objects.get(digest=hash_token(issued["token"]))


def test_a_token_expires_after_the_configured_days(bank, settings):
    settings.API_TOKEN_DAYS = 7
    issued = issue("teller")
    expires = dt.datetime.fromisoformat(issued["expires_at"])
    assert abs(expires - (timezone.now() + dt.timedelta(days=7))) < dt.timedelta(minutes=1)
    assert opens(issued["token"])
    ApiToken.objects.filter(pk=row(issued).pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert not opens(issued["token"])


def test_a_password_change_revokes_every_token_of_the_account_and_only_its(bank):
    first, second, others = issue("teller"), issue("teller"), issue("outlet_head")
    bank.teller.set_password("another horse battery staple")
    bank.teller.save()
    assert not opens(first["token"]) and not opens(second["token"])
    assert opens(others["token"])
    assert row(first).revoked_because == "password_changed" and row(first).revoked_at is not None


def test_an_ordinary_change_of_the_account_leaves_its_tokens_alone(bank):
    issued = issue("teller")
    teller = get_user_model().objects.get(pk=bank.teller.pk)
    teller.name = "柜员小刘（改名）"
    teller.save()
    teller.save(update_fields=["last_login"])
    assert opens(issued["token"])


def test_deactivation_revokes_the_tokens_for_good(bank):
    issued = issue("teller")
    teller = get_user_model().objects.get(pk=bank.teller.pk)
    teller.is_active = False
    teller.save()
    assert row(issued).revoked_because == "deactivated"
    teller.is_active = True
    teller.save()
    assert not opens(issued["token"])


def test_the_owner_lists_their_tokens_without_secrets_and_sees_which_one_is_calling(bank):
    first, second = issue("teller"), issue("teller")
    issue("outlet_head")
    listed = bearer(second["token"]).get("/api/v1/auth/tokens")
    assert listed.status_code == 200
    tokens = listed.json()
    assert [t["key"] for t in tokens] == [second["key"], first["key"]]
    assert [t["current"] for t in tokens] == [True, False]
    assert {t["staff"] for t in tokens} == {"teller"}
    assert first["token"] not in listed.content.decode() and "digest" not in tokens[0]


def test_someone_elses_tokens_are_for_administrators_only(bank):
    teller = issue("teller")
    refused = bearer(issue("outlet_head")["token"]).get("/api/v1/auth/tokens", {"staff": "teller"})
    assert refused.status_code == 403
    admin = bearer(issue("admin")["token"])
    assert [t["key"] for t in admin.get("/api/v1/auth/tokens", {"staff": "teller"}).json()] == [teller["key"]]
    assert {t["staff"] for t in admin.get("/api/v1/auth/tokens").json()} == {"teller", "outlet_head", "admin"}
    assert admin.get("/api/v1/auth/tokens", {"staff": "nobody"}).json() == []


def test_the_owner_revokes_a_token_and_it_opens_nothing_from_then_on(bank):
    kept, dropped = issue("teller"), issue("teller")
    answer = bearer(kept["token"]).delete(f"/api/v1/auth/tokens/{dropped['key']}")
    assert answer.status_code == 200
    assert answer.json()["revoked"] is True and answer.json()["revoked_because"] == "owner"
    assert not opens(dropped["token"]) and opens(kept["token"])
    # Again: the same answer, nothing changes.
    again = bearer(kept["token"]).delete(f"/api/v1/auth/tokens/{dropped['key']}")
    assert again.status_code == 200 and again.json()["revoked_at"] == answer.json()["revoked_at"]


def test_another_persons_token_is_not_found_for_others_but_revocable_by_an_administrator(bank):
    tellers = issue("teller")
    outsider = bearer(issue("outsider")["token"])
    assert outsider.delete(f"/api/v1/auth/tokens/{tellers['key']}").status_code == 404
    assert opens(tellers["token"])
    admin = bearer(issue("admin")["token"])
    answer = admin.delete(f"/api/v1/auth/tokens/{tellers['key']}")
    assert answer.status_code == 200 and answer.json()["revoked_because"] == "administrator"
    assert not opens(tellers["token"])


def test_last_used_at_is_written_on_first_use_and_then_at_most_once_a_minute(bank):
    issued = issue("teller")
    assert row(issued).last_used_at is None
    client = bearer(issued["token"])
    client.get("/api/v1/units")
    first = row(issued).last_used_at
    assert first is not None and timezone.now() - first < dt.timedelta(seconds=10)
    with CaptureQueriesContext(connection) as again:
        client.get("/api/v1/units")
    assert not [q for q in again.captured_queries if q["sql"].startswith("UPDATE")]
    assert row(issued).last_used_at == first
    earlier = timezone.now() - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=row(issued).pk).update(last_used_at=earlier)
    client.get("/api/v1/units")
    assert row(issued).last_used_at > earlier + dt.timedelta(minutes=1)


def test_administrators_see_and_revoke_tokens_in_the_admin_and_cannot_delete_them(bank):
    issued = issue("teller")
    admin = Client()
    admin.force_login(bank.admin)
    listing = admin.get(reverse("admin:access_apitoken_changelist"))
    assert listing.status_code == 200 and "teller" in listing.content.decode()
    admin.post(
        reverse("admin:access_apitoken_changelist"),
        {"action": "revoke_selected", "_selected_action": [row(issued).pk]},
    )
    assert row(issued).revoked_because == "administrator"
    assert admin.get(reverse("admin:access_apitoken_delete", args=[row(issued).pk])).status_code == 403


def test_the_password_rules_hold_when_an_account_is_made(bank):
    from redress.common.errors import FieldErrors
    from redress.organisation.services import create_staff

    for weak in ["12345678901", "password123", "short"]:
        with pytest.raises(FieldErrors) as refused:
            create_staff(username="newbie", name="新人", unit=bank.outlet_a1_1, roles=[], password=weak)
        assert list(refused.value.errors) == ["password"]
    assert not get_user_model().objects.filter(username="newbie").exists()
