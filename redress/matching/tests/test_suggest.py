"""Suggestions of category, business category and reason at registration (issue 13 item 5)."""

import datetime as dt
import random
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from redress.api.tests.conftest import bearer_client
from redress.core.demo import load_demo
from redress.matching import suggest
from redress.matching.management.commands.train_suggestions import read_labelled
from redress.matching.models import SuggestionModel

pytestmark = pytest.mark.django_db

LABELLED = Path(__file__).parent / "data" / "labelled_matters.csv"


@pytest.fixture(autouse=True)
def _no_cached_model():
    suggest.forget_model()
    yield
    suggest.forget_model()


def _rows(n: int, seed: int = 1) -> list[suggest.Labelled]:
    """Labelled matters of two clearly different problems, in varied words."""
    rng = random.Random(seed)
    fee = ["信用卡年费", "年费扣收", "卡的年费", "免年费承诺"]
    atm = ["ATM吞卡", "取款机吞卡", "自助机吞卡", "柜员机把卡吞了"]
    rows = []
    for i in range(n):
        if i % 2:
            text = f"客户反映{rng.choice(fee)}问题，开卡时说免年费，现在被扣了年费{rng.randint(1, 9)}百元"
            labels = {"category": "work_error", "business_category": "银行卡/信用卡", "reason": "定价收费"}
        else:
            text = f"客户晚上在自助银行取款，{rng.choice(atm)}，打电话没人接，第二天领卡还要等"
            labels = {
                "category": "service_channel",
                "business_category": "银行卡/借记卡使用",
                "reason": "服务设施、设备、业务系统",
            }
        rows.append(suggest.Labelled(text, labels))
    return rows


def test_without_a_model_nothing_is_suggested():
    assert suggest.suggest("信用卡年费被多扣") == {"category": [], "business_category": [], "reason": []}


def test_too_few_closed_cases_learn_nothing():
    assert suggest.train(_rows(suggest.MIN_CASES - 1)) is None
    assert not SuggestionModel.objects.exists()


def test_a_trained_model_suggests_the_class_of_a_matter_in_other_words(bank):
    model = suggest.train(_rows(60))
    assert model.cases == 60 and model.held_out == 12
    assert model.evaluation["business_category"]["top1"] == 1.0
    found = suggest.suggest("我的信用卡被扣了年费，当初说好免年费的")
    assert found["business_category"][0].value == "银行卡/信用卡"
    assert found["business_category"][0].label == "银行卡/信用卡"
    assert found["reason"][0].value == "定价收费"
    assert found["category"][0].value == "work_error"
    assert found["category"][0].label == "工作失误"
    assert found["business_category"][0].score > found["business_category"][1].score
    # The other problem in yet other words.
    assert suggest.suggest("取款机把我的卡吞了")["business_category"][0].value == "银行卡/借记卡使用"


def test_a_matter_of_unknown_words_gets_no_suggestion(bank):
    suggest.train(_rows(60))
    assert suggest.suggest("今天天气很好") == {"category": [], "business_category": [], "reason": []}


def test_a_matter_of_nothing_but_words_every_complaint_has_gets_no_suggestion(bank):
    suggest.train(_rows(60))
    nothing = {"category": [], "business_category": [], "reason": []}
    # 客户 and 反映 are in every row the model learned from: known, but they tell no class.
    assert suggest.suggest("客户客户客户反映") == nothing
    assert suggest.suggest("客户反映年费")["reason"][0].value == "定价收费"


def test_the_stored_arrays_predict_what_scikit_learn_predicts(bank):
    """Suggesting from the stored arrays must be the fitted pipeline's own answer, not an approximation."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = _rows(60)
    suggest.train(rows)
    predictor = suggest.current_model()
    vectorizer = TfidfVectorizer(analyzer=suggest.words, min_df=suggest.MIN_DF)
    matrix = vectorizer.fit_transform([r.text for r in rows])
    fitted = LogisticRegression(C=10.0, max_iter=2000).fit(matrix, [r.labels["reason"] for r in rows])
    for text in ("信用卡年费被扣", "ATM吞卡没人管", "年费和吞卡都有问题"):
        expected = fitted.predict_proba(vectorizer.transform([text]))[0]
        ranked = dict(predictor.ranked(text, top=10)["reason"])
        got = np.array([ranked[c] for c in fitted.classes_])
        assert np.allclose(got, expected, atol=1e-9)


def test_a_word_seen_in_one_case_only_never_enters_the_model(bank):
    rows = _rows(60)
    rows[0] = suggest.Labelled(rows[0].text + "王小明", rows[0].labels)
    model = suggest.train(rows)
    assert "王小明" not in model.vocabulary
    assert "年费" in model.vocabulary


def test_a_new_training_is_used_at_once():
    first = suggest.train(_rows(60))
    assert suggest.trained_at() == first.trained_at
    swap = {"work_error": "service_attitude", "service_channel": "work_error"}
    flipped = [
        suggest.Labelled(r.text, {**r.labels, "category": swap[r.labels["category"]]}) for r in _rows(60)
    ]
    second = suggest.train(flipped)
    assert suggest.trained_at() == second.trained_at
    assert suggest.suggest("信用卡年费被扣")["category"][0].value == "service_attitude"


def test_train_if_stale_learns_once_a_day(bank):
    assert suggest.train_if_stale() is None  # nothing closed to learn from yet
    suggest.train(_rows(60))
    assert suggest.train_if_stale() is None


def test_learned_from_the_demo_bank_the_hand_written_matters_are_mostly_in_the_top_three(settings, capsys):
    """The figure docs/performance.md reports: trained on the demo bank's closed cases, scored on matters
    written by hand for this test (never seen in training, other words than the demo's)."""
    settings.REDRESS_DEMO = True
    # The demo's cases are spread back from `now`: a fixed moment makes the closed cases it learns from the
    # same on every day (from the real clock the category's top-3 moved between 0.69 and 0.7+ by the day).
    load_demo(cases=300, now=dt.datetime(2026, 12, 4, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    assert SuggestionModel.objects.count() == 1  # the demo learns as it loads
    call_command("train_suggestions", evaluate=LABELLED)
    out = capsys.readouterr().out
    assert "top-3" in out and "labelled_matters.csv (103 matters" in out
    scores = suggest.evaluate(suggest.current_model(), read_labelled(LABELLED))
    assert scores["business_category"]["top3"] >= 0.75
    assert scores["reason"]["top3"] >= 0.75
    assert scores["category"]["top3"] >= 0.7


def test_the_api_suggests_for_a_matter(bank):
    suggest.train(_rows(60))
    client = bearer_client(bank.teller)
    answer = client.post(
        "/api/v1/cases/suggestions", {"matter": "信用卡年费被扣了"}, content_type="application/json"
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["business_category"][0] == {
        "value": "银行卡/信用卡",
        "label": "银行卡/信用卡",
        "score": body["business_category"][0]["score"],
    }
    assert body["trained_at"]
    refused = client.post(
        "/api/v1/cases/suggestions", {"matter": "a" * 20_001}, content_type="application/json"
    )
    assert refused.status_code == 422 and "matter" in refused.json()["errors"]
    assert (
        Client()
        .post("/api/v1/cases/suggestions", {"matter": "x"}, content_type="application/json")
        .status_code
        == 401
    )


def test_the_registration_form_asks_for_suggestions(bank):
    suggest.train(_rows(60))
    client = Client()
    client.force_login(bank.teller)
    page = client.get("/cases/new")
    assert b'data-suggest-url="/cases/new/suggestions"' in page.content
    answer = client.post("/cases/new/suggestions", {"matter": "信用卡年费被扣了"})
    assert answer.json()["reason"][0]["value"] == "定价收费"
    assert client.get("/cases/new/suggestions").status_code == 405


def test_the_suggestions_name_visible_cases_about_a_similar_matter_before_saving(bank):
    earlier = bank.register(matter="客户反映网点ATM吞卡，打电话没人接，第二天领卡还要等三天。")
    bank.register(matter="客户要求提高信用卡额度。")
    hidden = bank.register(
        actor=bank.outsider,
        subject_unit="B1-1",
        matter="客户反映网点ATM吞卡，打电话没人接，第二天领卡还要等三天。",
    )
    matter = {"matter": "ATM把我的卡吞了，机器上的电话打不通，第二天去领卡又说要等三天"}
    body = (
        bearer_client(bank.teller)
        .post("/api/v1/cases/suggestions", matter, content_type="application/json")
        .json()
    )
    numbers = [item["number"] for item in body["alike"]]
    assert numbers == [earlier.number]  # the other matter is not alike; another branch's case is not visible
    assert hidden.number not in str(body) and body["alike"][0]["state"] == "registered"
    client = Client()
    client.force_login(bank.teller)
    page = client.post("/cases/new/suggestions", matter).json()
    assert [item["number"] for item in page["alike"]] == [earlier.number]
    assert page["alike"][0]["url"] == f"/cases/{earlier.number}"
    # The chip's text as the language writes it, not brackets of one language around the words of another.
    assert page["alike"][0]["label"] == f"{earlier.number}（已登记）"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.post("/cases/new/suggestions", matter).json()
    assert english["alike"][0]["label"] == f"{earlier.number} (registered)"
