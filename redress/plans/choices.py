"""Named constants of emergency plans (R9, P1), with their zh-Hans / English labels."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PlanState(models.TextChoices):
    DRAFT = "draft", _("draft")
    APPROVED = "approved", _("approved")
    # A plan is "in effect" and "ended", not a unit's "in use" nor a case's "handled" (the same English word).
    ACTIVE = "active", pgettext_lazy("plan state", "active")
    CLOSED = "closed", pgettext_lazy("plan state", "closed")


class PlanType(models.TextChoices):
    """The plan's complaint types (P1 四(三)); each asks its own handling of the case's actions."""

    GENERAL = "general", _("not caused by the event")
    EVENT_CAUSED = "event_caused", _("caused by the event")
    VERBAL_LOSS_REPORT = "verbal_loss_report", _("verbal loss report")
    EMERGENCY_PAYMENT = "emergency_payment", _("emergency payment")
    ATM_UNAVAILABLE = "atm_unavailable", _("ATM unavailable")
    CUSTOMER_DATA_ANOMALY = "customer_data_anomaly", _("customer data anomaly")
    TRANSACTION_ANOMALY = "transaction_anomaly", _("transaction anomaly")
    LONG_WAIT = "long_wait", _("long wait")
    REPEAT_OR_GROUP = "repeat_or_group", _("repeat, skip-level or group complaint")
    COMPENSATION = "compensation", _("compensation demanded")
    AGGRESSIVE_CUSTOMER = "aggressive_customer", _("aggressive customer")
    MENTAL_HEALTH = "mental_health", _("customer in mental distress")
    CROSS_PROVINCE = "cross_province", _("cross-province business")
    MEDIA_CONTACT = "media_contact", _("media contact")
    OTHER_INCIDENT = "other_incident", _("other incident")


class PlanFault(models.TextChoices):
    """Where the office finds the fault of a plan case at close (P1 六、6)."""

    COORDINATION = "coordination", _("coordination (the leading department)")
    EXPLANATION_SPEED = "explanation_speed", _("explanation and speed (the business unit)")


class AtmFeeDecision(models.TextChoices):
    """How a question about another bank's ATM fee was settled, case by case (P1 四(三)5)."""

    WAIVED = "waived", _("fee waived")
    REFUNDED = "refunded", _("fee refunded")
    EXPLAINED = "explained", _("explained to the customer")


class CoordinationVia(models.TextChoices):
    """Through whom a customer in mental distress is helped (P1 四(三)12)."""

    LOCAL_AUTHORITY = "local_authority", _("local authorities")
    EMPLOYER = "employer", _("employer")
    FAMILY = "family", _("family or relatives")
    HOME_VISIT = "home_visit", _("home visit")


class OutsideHelp(models.TextChoices):
    """Who is called when the bank is stormed or a crowd gathers (P1 四(三)11)."""

    SECURITY_DEPARTMENT = "security_department", _("the security department")
    LOCAL_POLICE = "local_police", _("the local police station")


class AngerShown(models.TextChoices):
    """What makes a plan case go up at once, at any step (P1 四(三)14)."""

    LEFT_ANGRY = "left_angry", _("the customer left angry")
    HARSH_WORDS = "harsh_words", _("the customer used violent words")
    THREATENED_MEDIA = "threatened_media", _("the customer threatened to go to the media")


class PlanEventKind(models.TextChoices):
    DRAFTED = "drafted", _("drafted")
    APPROVED = "approved", _("approved")
    ACTIVATED = "activated", _("activated")
    EXTENDED = "extended", _("window extended")
    CLOSED = "closed", _("closed")
    STATEMENT_APPROVED = "statement_approved", _("statement approved")


class PlanLevel(models.TextChoices):
    """The levels at which a plan has its work groups (P1 二)."""

    PROVINCE = "province", _("provincial branch")
    BRANCH = "branch", _("branch")
    SUB_BRANCH = "sub_branch", _("sub-branch")


# P1 四(三)4: the emergency payment's cap, and a VIP customer's.
PAYMENT_CAP = Decimal("5000.00")
PAYMENT_CAP_VIP = Decimal("10000.00")
# P1 四(三)3: a verbal loss report lapses unless the formal report follows within five days.
VERBAL_LOSS_LAPSE_DAYS = 5
# P1 五: the plan's own limits, in continuous hours, unless the plan says otherwise.
DEFAULT_LIMITS = {"arrive_hours": 1, "answer_hours": 4, "report_hours": 8}
