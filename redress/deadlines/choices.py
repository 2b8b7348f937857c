"""Named constants of time limits and clocks (R4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClockName(models.TextChoices):
    # Acknowledging receipt of the complaint to the customer; met by the action `accept`. Not the action
    # `acknowledge`, by which a unit signs for a transfer order. The stored name stays "acknowledge".
    ACKNOWLEDGE_RECEIPT = "acknowledge", _("acknowledge")
    TRANSFER_OUT = "transfer_out", _("transfer order out")
    FIRST_CONTACT = "first_contact", _("first contact with the customer")
    REPLY = "reply", _("reply to the customer")
    RESULT_REPORT = "result_report", _("result report")
    DECISION = "decision", _("statutory decision")
    # An emergency plan's own clocks (P1 五), in continuous hours, their lengths the plan's data.
    ARRIVE = "arrive", _("arrive (emergency plan)")
    ANSWER_CUSTOMER = "answer_customer", _("answer the customer (emergency plan)")
    REPORT_TO_GROUP = "report_to_group", _("report to the work group (emergency plan)")
    # The completion promised to the customer of a complaint caused by the plan's event (P1 四(三)2).
    PROMISED = "promised", _("promised completion (emergency plan)")
    # The deadline the body that referred the complaint set for the bank's reply to it (P3 第十条).
    REFERRER_REPLY = "referrer_reply", _("reply to the referring body")


class ClockState(models.TextChoices):
    RUNNING = "running", _("running")
    WARNING = "warning", _("warning")
    BREACHED = "breached", _("breached")
    MET = "met", _("met")
    PAUSED = "paused", _("paused")
    # The procedure ended (withdrawal, not accepted) before the clock's event was needed.
    STOPPED = "stopped", _("stopped")


# Counting down now (a breached clock still counts: it is late, not done).
COUNTING_STATES = frozenset({ClockState.RUNNING, ClockState.WARNING, ClockState.BREACHED})
LIVE_STATES = COUNTING_STATES | {ClockState.PAUSED}
# Where a clock warns when its policy names no warning point: three quarters of its time gone.
DEFAULT_WARN_PERCENT = 75


class StartEvent(models.TextChoices):
    RECEIPT = "receipt", _("receipt")
    ACCEPTANCE = "acceptance", _("acceptance")
    TRANSFER_IN = "transfer_in", _("transfer in")
    # A referral recorded with its body's deadline (redress.referrals); no policy starts a clock on it.
    REFERRAL = "referral", _("referral recorded")


class PolicySource(models.TextChoices):
    BANK = "bank", _("bank's procedures")
    STATUTE = "statute", _("statutory limit")


class Complexity(models.TextChoices):
    ORDINARY = "ordinary", _("ordinary")
    COMPLEX = "complex", _("complex")


class PauseReason(models.TextChoices):
    """The only pauses the law allows (CBIRC Order 2020 No. 3): external appraisal and mediation."""

    APPRAISAL = "appraisal", _("external appraisal, testing or evaluation")
    MEDIATION = "mediation", _("mediation")


class ExtensionState(models.TextChoices):
    REQUESTED = "requested", _("requested")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")
