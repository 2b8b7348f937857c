"""Receipt codes: random digits from `secrets`, stored as a keyed hash, found again after a key rotation."""

from redress.receipts import services as receipts


def test_a_receipt_is_twenty_random_digits():
    made = {receipts.new_receipt() for _ in range(200)}
    assert len(made) == 200
    assert all(len(r) == 20 and r.isdigit() for r in made)


def test_the_digest_depends_on_the_secret_key_and_a_fallback_key_still_finds_it(settings):
    receipt = receipts.new_receipt()
    settings.SECRET_KEY = "first key " * 5
    before = receipts.digests(receipt)[0]
    assert receipt not in before and len(before) == 64
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "second key " * 5, ["first key " * 5]
    assert receipts.digests(receipt)[0] != before
    assert before in receipts.digests(receipt)


def test_a_receipt_is_read_with_or_without_spaces_and_dashes_and_nothing_else():
    receipt = receipts.new_receipt()
    assert receipts.normalised(receipts.grouped(receipt)) == receipt
    assert receipts.normalised("-".join(receipts.grouped(receipt).split())) == receipt
    for wrong in (receipt[:-1], receipt + "1", "１" * 20, "a" * 20, ""):
        assert receipts.normalised(wrong) is None


def test_a_status_code_belongs_to_one_case_and_survives_a_key_rotation(settings):
    settings.SECRET_KEY = "first key " * 5
    code = receipts.status_code("TS2026000128")
    assert len(code) == 12 and code.isdigit()
    assert receipts.status_code_matches("TS2026000128", f"{code[:6]} {code[6:]}")
    assert not receipts.status_code_matches("TS2026000129", code)
    assert not receipts.status_code_matches("TS2026000128", code[:-1])
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "second key " * 5, ["first key " * 5]
    assert receipts.status_code("TS2026000128") != code
    assert receipts.status_code_matches("TS2026000128", code)
