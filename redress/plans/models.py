"""Emergency plans (R9, P1): the plan, the units it covers, its work groups, its approved statements, its
audited events, and the plan's records on a case (membership and type, verbal loss reports, emergency
payments, and the handling each other type asks for: P1 四(三)5–13). The rules are in `services.py`; the
case's actions that write these records are declared in `redress/lifecycle/emergency.py`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from redress.cases.models import Case, CompensationApproval
from redress.organisation.models import Unit, WorkGroup

from .choices import (
    AtmFeeDecision,
    CoordinationVia,
    OutsideHelp,
    PlanEventKind,
    PlanFault,
    PlanLevel,
    PlanState,
    PlanType,
)


class Plan(models.Model):
    """One emergency plan: the event it answers, its window, the units it covers and its own rules."""

    name = models.CharField(_("name"), max_length=128)
    event = models.TextField(_("event"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    state = models.CharField(_("state"), max_length=16, choices=PlanState.choices, default=PlanState.DRAFT)
    # The lowest unit above every covered one: its leaders approve the plan (the covering level).
    unit = models.ForeignKey(
        Unit, verbose_name=_("covering unit"), on_delete=models.PROTECT, related_name="+"
    )
    leading_department = models.ForeignKey(
        Unit,
        verbose_name=_("leading department"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    hotline = models.CharField(_("hotline"), max_length=64, blank=True, default="")
    command_centre = models.CharField(_("24-hour command centre"), max_length=64, blank=True, default="")
    spokesperson_phone = models.CharField(_("spokesperson's number"), max_length=64, blank=True, default="")
    # The plan's own time limits, in continuous hours (P1 五).
    arrive_hours = models.DecimalField(_("arrive within (hours)"), max_digits=6, decimal_places=2, default=1)
    answer_hours = models.DecimalField(
        _("answer the customer within (hours)"), max_digits=6, decimal_places=2, default=4
    )
    report_hours = models.DecimalField(
        _("report to the work group within (hours)"), max_digits=6, decimal_places=2, default=8
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["-starts_at", "id"]
        indexes = [models.Index(fields=["state", "starts_at"], name="plan_state_starts_idx")]

    def __str__(self) -> str:
        return self.name

    def limit_hours(self) -> dict[str, object]:
        return {"arrive_hours": self.arrive_hours, "answer_hours": self.answer_hours,
                "report_hours": self.report_hours}  # fmt: skip


class PlanUnit(models.Model):
    """A unit the plan covers, with its whole subtree."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="covered")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    # Copied from the unit: a case's unit is covered when its path starts with one of these.
    unit_path = models.CharField(max_length=255)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "unit"], name="plan_unit_unique")]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.unit_path}"


class PlanWorkGroup(models.Model):
    """The plan's work group at one level (P1 二): which group, led by which department."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="work_groups")
    level = models.CharField(_("level"), max_length=16, choices=PlanLevel.choices)
    group = models.ForeignKey(
        WorkGroup, verbose_name=_("work group"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "group"], name="plan_work_group_unique")]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.level}"


class Statement(models.Model):
    """An approved public statement (统一口径) for one complaint type: versioned, approved by the work
    group."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="statements")
    plan_type = models.CharField(_("complaint type"), max_length=32, choices=PlanType.choices)
    version = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField()

    class Meta:
        verbose_name = _("approved statement")
        verbose_name_plural = _("approved statements")
        ordering = ["plan_type", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "plan_type", "version"], name="statement_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan_type} v{self.version}"


class PlanEvent(models.Model):
    """One step of a plan's life, written once (who, when, what)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=PlanEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.kind}"


class PlanCase(models.Model):
    """A case received under a plan: which plan, its complaint type, and what the type's handling recorded."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, primary_key=True, related_name="plan_membership"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="cases")
    plan_type = models.CharField(_("complaint type"), max_length=32, choices=PlanType.choices)
    # The approved statement read to the customer (its version), when one was.
    statement = models.ForeignKey(
        Statement, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # Taken through the provincial hotline and put straight through to the outlet (不落地, P1 四(一)2).
    not_landing = models.BooleanField(default=False)
    # At close, the office's finding on the fault, when the plan gave accountability records (P1 六、6).
    fault = models.CharField(
        _("fault under the plan"), max_length=32, choices=PlanFault.choices, blank=True, default=""
    )

    class Meta:
        indexes = [models.Index(fields=["plan", "plan_type"], name="plan_case_type_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} in {self.plan_id} ({self.plan_type})"


class VerbalLossReport(models.Model):
    """An emergency verbal loss report (P1 四(三)3): it lapses unless the formal report follows in five
    days."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="verbal_loss_report")
    account_masked = models.CharField(_("card or account (masked)"), max_length=32)
    reported_at = models.DateTimeField(_("verbal loss reported at"))
    lapses_at = models.DateTimeField(_("lapses at"))
    formal_reported_at = models.DateTimeField(null=True, blank=True)
    lapse_acknowledged_at = models.DateTimeField(null=True, blank=True)
    # Set by the sweeper when it sent the reminders, so it sends them once.
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["lapses_at"],
                name="verbal_loss_pending_idx",
                condition=models.Q(reminded_at__isnull=True, formal_reported_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} lapses {self.lapses_at:%Y-%m-%d %H:%M}"


class EmergencyPayment(models.Model):
    """An emergency payment (P1 四(三)4) after the customer could not be dissuaded, with its approval."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="emergency_payments")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    # [{"by": username, "at": ISO time, "outcome": text}], from the first responder up.
    dissuasion = models.JSONField(default=list)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.case_id} {self.amount}"


class AtmDirection(models.Model):
    """ATM unavailable (P1 四(三)5): the other bank's ATM nearby the customer was directed to and, when the
    customer questioned the fee, how it was settled case by case and by whom."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="atm_direction")
    where = models.CharField(_("other bank's ATM"), max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    fee_decision = models.CharField(
        _("fee decision"), max_length=16, choices=AtmFeeDecision.choices, blank=True, default=""
    )
    fee_refunded = models.DecimalField(
        _("fee refunded (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    fee_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    fee_decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.case_id} → {self.where}"


class BusinessLineReport(models.Model):
    """A customer data or transaction anomaly reported through the business line (P1 四(三)6, 7)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="business_line_reports")
    business_line = models.ForeignKey(
        Unit, verbose_name=_("business line"), on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported at"))
    note = models.TextField(_("note"), blank=True, default="")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.case_id} → {self.business_line_id}"


class WaitSoothing(models.Model):
    """A long wait (P1 四(三)8): the lobby manager's soothing; an agitated customer taken by the outlet head
    to the VIP room and helped to finish the business; a small gift, if one was given."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="wait_soothing")
    soothed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agitated = models.BooleanField(default=False)
    guided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    business_done = models.BooleanField(default=False)
    gift = models.CharField(_("gift"), max_length=100, blank=True, default="")
    note = models.TextField(_("note"), blank=True, default="")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.case_id} soothed"


class CompensationClaim(models.Model):
    """A compensation demand (P1 四(三)10): the customer's reasons as they stated them; nothing is
    promised."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="compensation_claim")
    reasons = models.TextField(_("customer's reasons"))
    soothing = models.TextField(_("soothing"), blank=True, default="")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.case_id} claim"


class PlanPayout(models.Model):
    """A payout under the plan (P1 四(三)10): agreed jointly with the business line's department, never by an
    outlet alone. It is also the business line's approval a reply promising it needs (R6.3)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plan_payouts")
    approval = models.OneToOneField(
        CompensationApproval, on_delete=models.PROTECT, related_name="plan_payout"
    )
    agreement = models.TextField(_("agreement"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.case_id} payout {self.approval_id}"


class AggressiveCustomerRecord(models.Model):
    """An aggressive customer (P1 四(三)11): handled under video surveillance, led away from where customers
    gather; when the bank is stormed or a crowd gathers, who was called and when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="aggressive_records")
    led_to = models.CharField(_("led to"), max_length=200)
    video_covered = models.BooleanField(default=False)
    stormed = models.BooleanField(default=False)
    called = models.CharField(_("called"), max_length=32, choices=OutsideHelp.choices, blank=True, default="")
    called_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True, default="")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.case_id} aggressive"


class Coordination(models.Model):
    """A customer in mental distress (P1 四(三)12): coordination through local authorities, the employer,
    family or relatives, or a home visit — which, with whom, when, and the outcome."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="coordinations")
    via = models.CharField(_("through"), max_length=32, choices=CoordinationVia.choices)
    contact = models.CharField(_("with whom"), max_length=200)
    at = models.DateTimeField(_("when"))
    outcome = models.TextField(_("outcome"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} via {self.via}"


class CrossProvinceReport(models.Model):
    """Cross-province business not solved at this level (P1 四(三)13): reported to the next level's command
    centre group, to coordinate with the sister bank in the other province."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="cross_province_reports")
    sister_bank = models.CharField(_("sister bank"), max_length=200)
    reason = models.TextField(_("why it cannot be solved here"))
    from_level = models.CharField(max_length=16)
    to_level = models.CharField(max_length=16)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.case_id} → {self.to_level}"


class DutyLog(models.Model):
    """An entry of a unit's duty log (值守日志, P1 六、7) on one day of the plan: who was on duty, what came
    in, what was done, what is handed over. Written once."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="duty_log")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    on_duty = models.CharField(_("on duty"), max_length=200)
    received = models.TextField(_("calls and complaints received"))
    handled = models.TextField(_("what was done"))
    handover = models.TextField(_("handed over to the next shift"), blank=True, default="")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["day", "at", "id"]
        indexes = [models.Index(fields=["plan", "day"], name="duty_log_plan_day_idx")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.unit_id} {self.day}"
