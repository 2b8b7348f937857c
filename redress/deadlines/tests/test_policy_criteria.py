"""A policy's criteria are a closed set of known keys and value shapes, checked wherever a policy is written
(the model, so the admin; the loader of the shipped policies) and never skipped when matching."""

import importlib
import itertools

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import translation

from redress.cases.choices import Category, Channel, Kind
from redress.cases.models import Case
from redress.deadlines import policies
from redress.deadlines.models import Clock, Policy
from redress.deadlines.policies import CRITERIA, SHIPPED, InvalidPolicy, matches, validate_criteria
from redress.deadlines.services import applicable_policies

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("criteria", "named"),
    [
        ({"emergncy": True}, "emergncy"),
        ({"kind": ["complaint"]}, "kind"),
        ({"kinds": "complaint"}, "kinds"),
        ({"kinds": []}, "kinds"),
        ({"kinds": ["complaint", "complaints"]}, "complaints"),
        ({"categories": [1]}, "categories"),
        ({"channels": ["online", None]}, "channels"),
        ({"complexity": "complicated"}, "complexity"),
        ({"complexity": ["complex"]}, "complexity"),
        ({"emergency": "false"}, "emergency"),
        ({"emergency": 0}, "emergency"),
    ],
)
def test_an_unknown_key_or_a_malformed_value_is_refused_naming_the_key(criteria, named):
    errors = validate_criteria(criteria)
    assert len(errors) == 1
    assert named in errors[0]


@pytest.mark.parametrize("criteria", [[], "kinds", None, [{"kinds": ["complaint"]}]])
def test_criteria_that_are_not_an_object_are_refused(criteria):
    assert validate_criteria(criteria)


@pytest.mark.parametrize(
    "criteria",
    [
        {},
        {"kinds": list(Kind.values)},
        {"categories": ["work_error"], "channels": ["online", "regulator"]},
        {"complexity": "ordinary", "emergency": False},
        {"complexity": "complex", "emergency": True},
    ],
)
def test_known_keys_with_well_formed_values_are_accepted(criteria):
    assert validate_criteria(criteria) == []


def test_the_refusal_is_written_in_the_readers_language():
    with translation.override("zh-hans"):
        assert validate_criteria({"emergncy": True}) == [
            "“emergncy”不是已知的适用条件；已知的条件有：kinds, categories, channels, complexity, emergency。"
        ]
    with translation.override("en"):
        assert validate_criteria({"emergncy": True}) == [
            "“emergncy” is not a known criterion; the known ones are: "
            "kinds, categories, channels, complexity, emergency."
        ]


def test_every_shipped_policy_has_known_criteria():
    for shipped in SHIPPED:
        assert validate_criteria(shipped["criteria"]) == [], shipped["code"]
    loaded = Policy.objects.filter(code__in=[s["code"] for s in SHIPPED])
    assert loaded.count() == len(SHIPPED)
    for policy in loaded:
        assert validate_criteria(policy.criteria) == [], policy.code
        assert set(policy.criteria) <= set(CRITERIA), policy.code


def test_bank_emergency_matches_no_case_today(bank):
    emergency = Policy.objects.get(code="bank.emergency")
    assert emergency.active and emergency.criteria == {"emergency": True}
    # Plans do not exist yet. When the emergency-plan issue gives Case its field, `in_emergency_plan` must
    # read it and this test must change with it.
    assert "emergency_plan" not in {f.name for f in Case._meta.get_fields()}
    for kind, channel, category in itertools.product(Kind.values, Channel.values, Category.values):
        case = Case(kind=kind, channel=channel, category=category)
        assert not matches(emergency.criteria, case), (kind, channel, category)
    case = bank.register()
    assert emergency not in applicable_policies(case)
    assert not Clock.objects.filter(case=case, policy=emergency).exists()
    # The rest of the bank's own policies still apply: "emergency": false holds for every case today.
    assert Policy.objects.get(code="bank.ordinary") in applicable_policies(case)


def test_a_stored_policy_with_an_unknown_criterion_is_refused_when_matched_not_skipped(bank):
    case = bank.register()
    # Only a row written before criteria were checked, or behind the model's back, can look like this.
    Policy.objects.filter(code="bank.ordinary").update(criteria={"complexity": "ordinary", "emergncy": False})
    with pytest.raises(InvalidPolicy) as refused:
        applicable_policies(case)
    assert "bank.ordinary" in str(refused.value) and "emergncy" in str(refused.value)


TARGETS = '[{"clock": "reply", "amount": 3, "unit": "working_days", "start": "receipt", "warn_after": 2}]'


@pytest.fixture
def admin_client(bank) -> Client:
    client = Client()
    client.force_login(bank.admin)
    return client


def add_in_the_admin(client: Client, criteria: str):
    return client.post(
        reverse("admin:deadlines_policy_add"),
        {
            "code": "bank.test",
            "version": 1,
            "name": "测试政策",
            "source": "bank",
            "basis": "",
            "effective_from": "2026-01-01",
            "effective_to": "",
            "criteria": criteria,
            "targets": TARGETS,
            "active": "on",
        },
    )


def criteria_errors(response) -> str:
    return " ".join(response.context["adminform"].form.errors.get("criteria", []))


def test_a_policy_with_known_criteria_is_saved_in_the_admin(admin_client):
    response = add_in_the_admin(admin_client, '{"kinds": ["complaint"], "emergency": false}')
    assert response.status_code == 302
    assert Policy.objects.get(code="bank.test").criteria == {"kinds": ["complaint"], "emergency": False}


def test_a_policy_with_an_unknown_criterion_is_refused_in_the_admin(admin_client):
    response = add_in_the_admin(admin_client, '{"kinds": ["complaint"], "emergncy": false}')
    assert response.status_code == 200
    assert "emergncy" in criteria_errors(response)
    assert not Policy.objects.filter(code="bank.test").exists()


def test_a_policy_with_a_wrongly_typed_criterion_is_refused_in_the_admin(admin_client):
    # A string where a list belongs would be searched as text: "petition" in "complaint, petition".
    response = add_in_the_admin(admin_client, '{"kinds": "complaint, petition"}')
    assert response.status_code == 200
    assert "kinds" in criteria_errors(response)
    assert not Policy.objects.filter(code="bank.test").exists()


def test_a_version_with_unchecked_criteria_that_clocks_use_can_still_be_retired_in_the_admin(
    bank, admin_client
):
    bank.register()
    ordinary = Policy.objects.get(code="bank.ordinary")
    assert ordinary.clocks.exists()  # so the admin shows its criteria read-only
    Policy.objects.filter(pk=ordinary.pk).update(criteria={"emergncy": False})
    response = admin_client.post(
        reverse("admin:deadlines_policy_change", args=[ordinary.pk]),
        {"name": ordinary.name, "basis": ordinary.basis, "effective_to": "2026-01-01", "active": ""},
    )
    assert response.status_code == 302
    ordinary.refresh_from_db()
    assert not ordinary.active


def shipped_loader():
    return importlib.import_module("redress.deadlines.migrations.0002_shipped_policies").load


def spec(code: str, criteria: dict) -> dict:
    return {
        "code": code,
        "name": f"{code} 的名称",
        "source": "bank",
        "basis": "test",
        "criteria": criteria,
        "targets": [{"clock": "reply", "amount": 3, "unit": "working_days", "start": "receipt"}],
    }


def test_the_loader_loads_a_policy_with_known_criteria(monkeypatch):
    monkeypatch.setattr(policies, "SHIPPED", [spec("bank.good", {"kinds": ["complaint"]})])
    shipped_loader()(apps, None)
    assert Policy.objects.get(code="bank.good").criteria == {"kinds": ["complaint"]}


def test_a_policy_with_an_unknown_criterion_is_refused_by_the_loader(monkeypatch):
    good, bad = spec("bank.good", {"kinds": ["complaint"]}), spec("bank.typo", {"emergncy": False})
    monkeypatch.setattr(policies, "SHIPPED", [good, bad])
    with pytest.raises(InvalidPolicy) as refused:
        shipped_loader()(apps, None)
    assert "bank.typo" in str(refused.value) and "emergncy" in str(refused.value)
    # Checked before anything is written: a bad policy loads none of its neighbours either.
    assert not Policy.objects.filter(code__in=["bank.good", "bank.typo"]).exists()


def test_a_policy_with_a_malformed_target_is_refused_by_the_loader(monkeypatch):
    bad = spec("bank.badtarget", {"kinds": ["complaint"]})
    bad["targets"][0]["unit"] = "fortnights"
    monkeypatch.setattr(policies, "SHIPPED", [bad])
    with pytest.raises(InvalidPolicy, match=r"bank\.badtarget .*unit"):
        shipped_loader()(apps, None)
    assert not Policy.objects.filter(code="bank.badtarget").exists()
