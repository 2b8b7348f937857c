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


def test_the_phrase_lists_are_edited_one_phrase_per_line_not_as_json(client, bank):
    client.force_login(bank.admin)
    rules = current_settings()
    url = f"/admin/escalation/triggersettings/{rules.pk}/change/"
    page = client.get(url).content.decode()
    assert "媒体\n记者\n曝光" in page
    assert "[&quot;媒体&quot;" not in page and '["媒体"' not in page
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(
        version=rules.version + 1,
        media_phrases="媒体\n\n  曝光 \n媒体\n找律师",
        top_media_phrases="央视",
        _saveasnew="1",
    )
    response = client.post(url, {k: v for k, v in data.items() if v is not False})
    assert response.status_code == 302, response.context["adminform"].form.errors
    saved = TriggerSettings.objects.get(version=rules.version + 1)
    assert saved.media_phrases == ["媒体", "曝光", "找律师"]
    assert saved.top_media_phrases == ["央视"]


def test_a_bad_phrase_is_named_by_its_line(client, bank):
    client.force_login(bank.admin)
    form = admin.site._registry[TriggerSettings].get_form(RequestFactory().get("/"))(
        data={"media_phrases": "媒体\n记\x00者", "top_media_phrases": "央" * 51}
    )
    assert not form.is_valid()
    assert form.errors["media_phrases"][0].startswith("第 2 行")
    assert form.errors["top_media_phrases"][0].startswith("第 1 行")
