from decimal import Decimal

import pytest

from redress.escalation.models import TriggerSettings
from redress.matching import similarity
from redress.matching.tests.evaluation import MATTERS, pairs, precision_recall

MATTERS_HELD_OUT = MATTERS.with_name("held_out.txt")

SHIPPED = float(TriggerSettings._meta.get_field("similarity_threshold").default)


def test_the_evaluation_set_has_300_labelled_pairs_of_each_kind():
    found = pairs()
    kinds = {kind: sum(p.kind == kind for p in found) for kind in {p.kind for p in found}}
    assert len(found) >= 300
    assert set(kinds) == {"other_words", "similar_words", "same_customer_other_matter"}
    assert min(kinds.values()) >= 30


def test_the_shipped_threshold_tells_the_same_matter_from_another_on_the_evaluation_set():
    scored = [(similarity.similarity(p.a, p.b), p.same) for p in pairs()]
    precision, recall = precision_recall(scored, SHIPPED)
    assert precision >= 0.9, precision
    assert recall >= 0.85, recall


def test_the_shipped_threshold_is_the_one_new_rules_start_from():
    assert Decimal(str(SHIPPED)) == Decimal("0.40")


def test_the_same_matter_in_other_words_is_alike_and_another_problem_with_the_same_thing_is_not():
    swallowed = "在网点自助柜员机取钱，银行卡被机器吞了，至今没有退还给我。"
    assert similarity.similarity(swallowed, "取款机吞卡，我要求马上退卡，网点说要等三个工作日。") >= SHIPPED
    assert similarity.similarity(swallowed, "在ATM取款2000元，机器出钞只有1500元，少了500元。") < SHIPPED


def test_likeness_is_symmetric_and_one_for_the_same_text():
    a, b = "信用卡从来没用过，却被收取了年费。", "网点只开一个窗口，排队等了两个小时。"
    assert similarity.similarity(a, a) == 1.0
    assert similarity.similarity(a, b) == similarity.similarity(b, a) < 0.1
    assert similarity.similarity("", "") == 0.0


def test_matters_alike_only_in_a_threat_to_go_to_the_press_are_not_alike_and_share_no_band():
    # Each says how the customer reacts, not what went wrong: no group, no repeat, of nothing in common.
    threats = ["客户称不会找媒体曝光", "客户并不想找媒体", "客户没有要找媒体", "客户称要向央视反映"]
    for a in threats:
        assert similarity.band_keys(similarity.concepts(a)) == ()
        for b in threats:
            if a != b:
                assert similarity.similarity(a, b) == 0.0
    # The threat beside a matter takes nothing from the matter's likeness to its twin.
    fee = "信用卡从来没用过，却被收取了年费，要求退还。"
    assert similarity.similarity("客户扬言要找记者曝光：" + fee, fee) >= SHIPPED


def test_a_phrase_names_one_concept_so_a_swallowed_card_is_not_also_a_bank_card():
    assert "!吞卡" in similarity.concepts("我的卡被吞了")
    assert "#银行卡" not in similarity.concepts("ATM卡被吞")


@pytest.mark.parametrize("kind", ["other_words"])
def test_matters_alike_share_a_band_so_the_lookup_finds_them(kind):
    # The candidates come from the bands: a pair the score calls alike must (almost always) share one.
    alike = [p for p in pairs() if p.kind == kind and similarity.similarity(p.a, p.b) >= SHIPPED]
    sharing = [
        p
        for p in alike
        if set(similarity.band_keys(similarity.concepts(p.a)))
        & set(similarity.band_keys(similarity.concepts(p.b)))
    ]
    assert len(sharing) >= 0.95 * len(alike), (len(sharing), len(alike))


def test_matters_about_different_things_share_no_band():
    a = similarity.concepts("信用卡从来没用过，却被收取了年费。")
    b = similarity.concepts("网点只开一个窗口，排队等了两个小时。")
    assert not set(similarity.band_keys(a)) & set(similarity.band_keys(b))


def test_band_keys_are_stable_signed_64_bit_integers():
    keys = similarity.band_keys(similarity.concepts("存折打印机坏了"))
    assert len(keys) == similarity.BANDS
    assert keys == similarity.band_keys(similarity.concepts("存折打印机坏了"))
    assert all(-(2**63) <= k < 2**63 for k in keys)


def test_band_keys_never_change_between_processes_or_releases():
    # Stored keys are only found again if the same matter always gives the same keys: these were computed
    # when the signature was written. A change here must come with a migration storing every matter again.
    matter = similarity.concepts("取款机吞卡，我要求马上退卡")
    assert sorted(matter) == ["!吞卡", "#atm", "要求", "退卡", "马上"]
    assert similarity.band_keys(matter)[:4] == (
        3202553978614002097,
        5544989907502714204,
        4165516428782625891,
        -7153177467366883142,
    )


def test_signature_agreement_estimates_the_jaccard_of_the_sets():
    # MinHash's promise: over many pairs, the share of positions where two signatures agree is the Jaccard
    # similarity of the sets. 300 pairs of sets of 10 items sharing 5 (Jaccard 5/15) and sharing 8 (8/12).
    for shared, expected in ((5, 5 / 15), (8, 8 / 12)):
        agreements = []
        for n in range(300):
            common = {f"w{n}-{i}" for i in range(shared)}
            a = common | {f"a{n}-{i}" for i in range(10 - shared)}
            b = common | {f"b{n}-{i}" for i in range(10 - shared)}
            sa, sb = similarity.signature(a), similarity.signature(b)
            agreements.append(sum(x == y for x, y in zip(sa, sb, strict=True)) / similarity.NUM_PERM)
        assert abs(sum(agreements) / len(agreements) - expected) < 0.03, (
            shared,
            sum(agreements) / len(agreements),
        )


def test_signature_does_not_depend_on_the_order_of_the_items():
    assert similarity.signature({"!吞卡", "#atm", "退卡"}) == similarity.signature({"退卡", "#atm", "!吞卡"})


def test_on_matters_the_concept_list_does_not_cover_it_errs_towards_not_alike():
    # Written after the list was frozen (data/held_out.txt). Measured when written: 79 pairs, precision 1.00,
    # recall 0.29 — the measure leans on the bank's concepts, and a matter they miss is rarely "the same":
    # the rules then miss a repeat or a group rather than invent one. Held to that direction only.
    held = pairs(MATTERS_HELD_OUT)
    precision, _recall = precision_recall([(similarity.similarity(p.a, p.b), p.same) for p in held], SHIPPED)
    assert len(held) >= 70
    assert precision >= 0.9


PRINTER = "网点的存折打印机坏了，补登不了。"
PRINTER_AGAIN = "去网点补登存折，自助打印机显示故障，工作人员说修不好。"
CARD_FEE = "信用卡从来没用过，却被收取了年费，要求退还。"


def topic_of(case) -> int:
    from redress.matching.models import TopicMember

    return TopicMember.objects.get(case=case).topic_id


@pytest.mark.django_db
def test_a_case_is_placed_in_its_topic_even_when_the_triggers_look_for_no_related_matter(bank, monkeypatch):
    # On PostgreSQL registration leaves the member row to the triggers' lookup of related matters; were the
    # lookup not made, the row is written after the triggers all the same.
    from redress.escalation import triggers
    from redress.matching.models import Topic

    first = bank.register(matter=PRINTER)
    monkeypatch.setattr(triggers, "related_cases", lambda case, rules: triggers.Related())
    again = bank.register(matter=PRINTER_AGAIN)
    new = bank.register(matter=CARD_FEE)
    assert topic_of(again) == topic_of(first) != topic_of(new)
    assert Topic.objects.get(pk=topic_of(new)).raised_by_id == new.pk


@pytest.mark.django_db
def test_a_new_matter_raises_a_topic_and_an_alike_one_joins_it(bank):
    from redress.matching.models import Topic

    first = bank.register(matter=PRINTER)
    again = bank.register(matter=PRINTER_AGAIN)
    other = bank.register(matter=CARD_FEE)
    assert topic_of(first) == topic_of(again) != topic_of(other)
    raised = Topic.objects.get(pk=topic_of(first))
    assert raised.raised_by_id == first.pk
    assert similarity.concepts_of(raised.concepts, None) == similarity.concepts(PRINTER)
    assert set(raised.keys.values_list("key", flat=True)) == set(
        similarity.band_keys(similarity.concepts(PRINTER))
    )


def test_a_matter_alike_to_two_topics_joins_the_most_alike_and_of_equals_the_older():
    a, b = frozenset({"!吞卡", "#atm"}), frozenset({"!年费", "#atm"})
    both = frozenset({"!吞卡", "!年费", "#atm"})
    closer_to_b = frozenset({"!年费", "#atm", "退还"})
    assert similarity.score(a, b) < 0.4 <= similarity.score(both, a) == similarity.score(both, b)
    # The i-th matter raising a topic is -(i + 1); the others join one.
    assert similarity.placements([a, b, both, closer_to_b], {}, {}, 0.4) == [-1, -2, -1, -2]
    # A stored topic (by its id) is older than any the list raises.
    stored = {7: b}
    by_key = {k: [7] for k in similarity.band_keys(b)}
    assert similarity.placements([a, both], stored, by_key, 0.4) == [-1, 7]


@pytest.mark.django_db
def test_remember_matters_forms_the_topics_again_as_registration_did(bank):
    from django.core.management import call_command

    from redress.matching.models import Topic, TopicMember

    cases = [bank.register(matter=m) for m in (PRINTER, CARD_FEE, PRINTER_AGAIN, CARD_FEE)]
    before = [topic_of(c) for c in cases]
    Topic.objects.all().delete()
    assert not TopicMember.objects.exists()
    call_command("remember_matters", batch=1)
    after = [topic_of(c) for c in cases]
    assert after[0] == after[2] != after[1] == after[3]
    assert [before.index(t) for t in before] == [after.index(t) for t in after]
    # Again over the topics it formed: the same grouping, no topic left over.
    call_command("remember_matters", batch=3)
    again = [topic_of(c) for c in cases]
    assert [after.index(t) for t in after] == [again.index(t) for t in again]
    assert Topic.objects.count() == 2


@pytest.mark.django_db
def test_a_cases_member_row_carries_where_it_counts_for_a_group_and_its_product_after_any_store(bank):
    """The group rule's scope is checked on the member rows: they carry the path of the unit complained
    about, else of the registering unit, and the product, whether written at registration or stored again."""
    from django.core.management import call_command

    from redress.matching.models import TopicMember

    about = bank.register(matter=PRINTER, subject_unit=bank.outlet_b1_1.code, product="存折")
    suggestion = bank.register(kind="suggestion", subject_unit="", matter="建议网点多配一台存折打印机。")
    expected = {(about.pk, about.subject_unit_path, "存折"), (suggestion.pk, suggestion.unit_path, "")}
    assert about.subject_unit_path != about.unit_path
    rows = set(TopicMember.objects.values_list("case_id", "scope_path", "product"))
    assert rows == expected
    TopicMember.objects.all().delete()
    call_command("remember_matters", batch=1)
    assert set(TopicMember.objects.values_list("case_id", "scope_path", "product")) == expected


@pytest.mark.django_db
def test_a_topic_keeps_no_trace_of_an_erased_case_that_raised_it(bank):
    from redress.matching.models import SearchEntry, Topic

    first = bank.register(matter=PRINTER)
    again = bank.register(matter=PRINTER_AGAIN)
    topic = topic_of(first)
    SearchEntry.objects.filter(case=first).delete()  # as retention erases it
    similarity.forget(first)
    heir = Topic.objects.get(pk=topic)
    assert heir.raised_by_id == again.pk
    assert similarity.concepts_of(heir.concepts, None) == similarity.concepts(PRINTER_AGAIN)
    assert set(heir.keys.values_list("key", flat=True)) == set(
        similarity.band_keys(similarity.concepts(PRINTER_AGAIN))
    )
    SearchEntry.objects.filter(case=again).delete()
    similarity.forget(again)
    assert not Topic.objects.filter(pk=topic).exists()


def test_kept_concepts_read_back_as_the_matter_they_were_kept_from():
    texts = [line.split("=", 1)[-1].strip() for line in MATTERS.read_text(encoding="utf-8").splitlines()]
    texts = [t for t in texts if t and not t.startswith("#")]
    assert len(texts) > 100
    for text in texts:
        assert similarity.concepts_of(
            similarity.stored(similarity.concepts(text)), None
        ) == similarity.concepts(text)


@pytest.mark.django_db
def test_a_registered_case_keeps_its_matters_concepts_with_its_search_entry(bank):
    from redress.matching.models import SearchEntry

    case = bank.register(matter="取款机吞卡，我要求马上退卡。")
    kept = SearchEntry.objects.get(case=case).matter_concepts
    assert similarity.concepts_of(kept, None) == similarity.concepts(case.matter)
    assert "!吞卡" in kept.split()


@pytest.mark.django_db
def test_a_case_without_kept_concepts_is_scored_from_its_text(bank):
    # Cases from before the concepts were kept (or loaded by other means) are still alike to a new case.
    from redress.escalation.triggers import current_settings, related_cases
    from redress.matching.models import SearchEntry

    earlier = bank.register(matter="取款机吞卡了，卡一直没退。", complainant_phone="13900000077")
    SearchEntry.objects.filter(case=earlier).update(matter_concepts=None)
    later = bank.register(matter="ATM吞了我的卡，要求退卡。", complainant_phone="13900000077")
    found = related_cases(later, current_settings())
    assert earlier.pk in [row[0] for row in found.earlier]


@pytest.mark.django_db
def test_remember_matters_keeps_the_concepts_of_existing_cases(bank):
    from django.core.management import call_command

    from redress.matching.models import SearchEntry

    case = bank.register(matter="网点的存折打印机坏了，补登不了。")
    SearchEntry.objects.filter(case=case).update(matter_concepts=None)
    call_command("remember_matters", batch=1)
    assert similarity.concepts_of(
        SearchEntry.objects.get(case=case).matter_concepts, None
    ) == similarity.concepts(case.matter)


@pytest.mark.django_db
def test_the_similar_list_scores_cases_without_kept_concepts_in_one_read(bank, django_assert_max_num_queries):
    from redress.access.visibility import visible_to
    from redress.matching.models import SearchEntry

    earlier = [bank.register(matter=f"取款机吞卡了，卡一直没退。第{n}次。") for n in range(5)]
    SearchEntry.objects.filter(case__in=earlier).update(matter_concepts=None)
    later = bank.register(matter="ATM吞了我的卡，要求退卡。")
    among = visible_to(bank.office)
    # The candidates with their texts, then the best of them: no read per candidate.
    with django_assert_max_num_queries(4):
        found = similarity.most_alike(later, among, threshold=0.4, limit=10)
    assert {c.pk for c, _ in found} == {c.pk for c in earlier}


@pytest.mark.django_db
def test_reindexing_keeps_the_matters_concepts(bank):
    from redress.matching import search
    from redress.matching.models import SearchEntry

    case = bank.register(matter="网点的存折打印机坏了，补登不了。")
    SearchEntry.objects.filter(case=case).update(matter_concepts=None)
    list(search.reindex())
    kept = SearchEntry.objects.get(case=case).matter_concepts
    assert similarity.concepts_of(kept, None) == similarity.concepts(case.matter)
