"""The customer groups of P1 六、4's hotspot analysis: VIP customers, card holders and cash customers.

One rule, read two ways: for one case (`customer_group`, the reports' figures) and as a condition on the
register's cases (`customer_group_q`, the register's `customer_group` filter), so that a figure by customer
group and the register it links to count the same cases.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

VIP, CARD_HOLDER, CASH = "vip", "card_holder", "cash"
CUSTOMER_GROUPS = {VIP: _("VIP customers"), CARD_HOLDER: _("card holders"), CASH: _("cash customers")}
# A matter about a card of any kind; about cash at the counter or a machine.
CARD_WORDS = ("卡",)
CASH_WORDS = ("现金", "取款", "存款")


def customer_group(vip: bool, product: str) -> str:
    """A VIP customer first; otherwise card holders and cash customers by the product the matter is about;
    else none ("")."""
    if vip:
        return VIP
    if any(word in product for word in CARD_WORDS):
        return CARD_HOLDER
    if any(word in product for word in CASH_WORDS):
        return CASH
    return ""


def _any_word(words: tuple[str, ...]) -> Q:
    condition = Q()
    for word in words:
        condition |= Q(product__contains=word)
    return condition


def customer_group_q(group: str) -> Q:
    """The cases of one group, as `customer_group` sorts them."""
    if group == VIP:
        return Q(complainant_vip=True)
    cards = _any_word(CARD_WORDS)
    if group == CARD_HOLDER:
        return Q(complainant_vip=False) & cards
    if group == CASH:
        return Q(complainant_vip=False) & ~cards & _any_word(CASH_WORDS)
    raise ValueError(group)
