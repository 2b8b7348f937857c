"""Named constants of a case, with their zh-Hans / English labels. API values are fixed by GLOSSARY.md."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("complaint")
    SUGGESTION = "suggestion", _("suggestion")
    PETITION = "petition", _("petition")
    WHISTLEBLOW = "whistleblow", _("report of wrongdoing")
    ENQUIRY = "enquiry", _("enquiry")


class Channel(models.TextChoices):
    COUNTER = "counter", _("outlet counter")
    VISIT = "visit", _("walk-in visit")
    COMMENT_BOX = "comment_box", _("comment book or box")
    PHONE = "phone", _("phone")
    HOTLINE = "hotline", _("customer service hotline")
    HQ_SERVICE_CENTRE = "hq_service_centre", _("head office service centre")
    LETTER = "letter", _("letter")
    ONLINE = "online", _("online")
    MEDIA = "media", _("media")
    SUPERIOR_REFERRAL = "superior_referral", _("referral from a superior level")
    GOVERNMENT = "government", _("government referral")
    REGULATOR = "regulator", _("regulator")
    BANKING_ASSOCIATION = "banking_association", _("banking association")
    CONSUMER_ASSOCIATION = "consumer_association", _("consumer association")


# External channels are always counted in the complaint statistics (R7.4, GLOSSARY.md).
EXTERNAL_CHANNELS: frozenset[str] = frozenset(
    {
        Channel.HQ_SERVICE_CENTRE,
        Channel.MEDIA,
        Channel.SUPERIOR_REFERRAL,
        Channel.GOVERNMENT,
        Channel.REGULATOR,
        Channel.BANKING_ASSOCIATION,
        Channel.CONSUMER_ASSOCIATION,
    }
)


class Category(models.TextChoices):
    """The procedures' categories (R6.1, P3§13): each has its own handling path."""

    WORK_ERROR = "work_error", _("work error")
    SERVICE_ATTITUDE = "service_attitude", _("service attitude")
    INTERNAL_MANAGEMENT = "internal_management", _("internal management")
    SERVICE_PRODUCT = "service_product", _("service product")
    SERVICE_CHANNEL = "service_channel", _("service channel")
    RULE_VIOLATION = "rule_violation", _("rule violation")
    FINANCIAL_CRIME = "financial_crime", _("financial crime")
    ANONYMOUS = "anonymous", _("anonymous")


class CustomerTier(models.TextChoices):
    ORDINARY = "ordinary", _("ordinary")
    VIP = "vip", _("VIP")


class State(models.TextChoices):
    """States of a case. Only the lifecycle's transitions change a case's state."""

    REGISTERED = "registered", _("registered")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("not accepted")
    TRANSFERRED = "transferred", _("transferred")
    IN_PROGRESS = "in_progress", _("in progress")
    REPLIED = "replied", _("replied")
    CLOSED = "closed", _("closed")
    WITHDRAWN = "withdrawn", _("withdrawn")


OPEN_STATES: frozenset[str] = frozenset(
    {State.REGISTERED, State.ACCEPTED, State.TRANSFERRED, State.IN_PROGRESS, State.REPLIED}
)


class Flag(models.TextChoices):
    GROUP = "group", _("group complaint")
    MAJOR = "major", _("major complaint")
    REPEAT = "repeat", _("repeat complaint")
    SKIP_LEVEL = "skip_level", _("skip-level complaint")
    MEDIA_THREAT = "media_threat", _("media threat")
    LEGAL_DISPUTE = "legal_dispute", _("economic dispute")
    CROSS_PROVINCE = "cross_province", _("cross-province")
    CONFIDENTIAL = "confidential", _("confidential")
    ANONYMOUS = "anonymous", _("anonymous")


class Dimension(models.TextChoices):
    """The three regulatory classification dimensions of JR/T 0169-2018 (REGULATION.md)."""

    CHANNEL = "channel", _("regulatory channel")
    BUSINESS_CATEGORY = "business_category", _("business category")
    REASON = "reason", _("reason")


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("registered")
    ATTACHMENT_ADDED = "attachment_added", _("attachment added")
    FLAG_SET = "flag_set", _("flag set")
    FIELD_CHANGED = "field_changed", _("field changed")
