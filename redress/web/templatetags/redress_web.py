from django import template
from django.utils.translation import gettext as _

from redress.cases.validators import mask_id_number, mask_phone
from redress.organisation.choices import Role

register = template.Library()


@register.filter
def masked_phone(phone: str) -> str:
    return mask_phone(phone or "")


@register.filter
def masked_id(id_number: str) -> str:
    return mask_id_number(id_number or "")


@register.filter
def role_labels(user) -> str:
    """The user's roles in the active language, in the fixed order of Role."""
    roles = getattr(user, "roles", frozenset())
    return "、".join(str(role.label) for role in Role if role.value in roles)


def _event_labels() -> dict:
    from redress.cases.choices import Channel, Flag, Kind

    def choice(enum):
        return lambda value: str(enum(value).label) if value in enum.values else str(value)

    def flags(values):
        return "、".join(choice(Flag)(v) for v in values) if values else "—"

    return {
        "number": (_("case number"), str),
        "kind": (_("kind"), choice(Kind)),
        "channel": (_("channel"), choice(Channel)),
        "first_responder": (_("first responder"), str),
        "unit": (_("accepting unit"), str),
        "flags": (_("flags"), flags),
        "attachments": (_("attachments"), lambda names: "、".join(names) if names else "—"),
    }


@register.filter
def event_details(event) -> list[tuple[str, str]]:
    """An event's recorded data as (label, value) rows, with known identifiers shown by their labels."""
    labels = _event_labels()
    rows = []
    for key, value in (event.data or {}).items():
        label, show = labels.get(key, (key, str))
        try:
            shown = show(value)
        except (TypeError, ValueError):
            shown = str(value)
        rows.append((str(label), shown))
    return rows
