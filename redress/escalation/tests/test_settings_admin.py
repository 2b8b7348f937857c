"""Editing the escalation rules in the admin (a new version saved as new)."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.utils import translation

from redress.escalation.models import TriggerSettings
from redress.escalation.triggers import current_settings

pytestmark = pytest.mark.django_db


def saved_as_new(bank, **changes) -> list[str]:
    """Save the rules in force as a new version with `changes`, as the admin's "save as new" does; returns
    the messages the administrator sees."""
    request = RequestFactory().post("/admin/")
    request.user = bank.admin
    request.session = {}
    request._messages = FallbackStorage(request)
    rules = current_settings()
    fields = {
        f.name: getattr(rules, f.name) for f in TriggerSettings._meta.concrete_fields if f.name not in ("id",)
    }
    version = TriggerSettings(**{**fields, "version": rules.version + 1, "active": True, **changes})
    with translation.override("en"):
        admin.site._registry[TriggerSettings].save_model(request, version, form=None, change=False)
    return [str(m) for m in get_messages(request)]


def test_a_new_likeness_threshold_tells_the_administrator_to_form_the_topics_again(bank):
    told = saved_as_new(bank, similarity_threshold=Decimal("0.55"))
    assert current_settings().similarity_threshold == Decimal("0.55")
    assert len(told) == 1 and "remember-matters" in told[0] and "0.55" in told[0]


def test_other_changes_of_the_rules_say_nothing_of_the_topics(bank):
    assert saved_as_new(bank, group_min_complainants=4) == []
