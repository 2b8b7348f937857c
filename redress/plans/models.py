"""Emergency plans (R9, P1): the plan, the units it covers, its work groups, its approved statements, its
audited events, and the plan's records on a case (membership and type, verbal loss reports, emergency
payments). The rules are in `services.py`; the case's actions that write these records are declared in
`redress/lifecycle/emergency.py`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from redress.cases.models import Case
from redress.organisation.models import Unit, WorkGroup

from .choices import PlanEventKind, PlanFault, PlanLevel, PlanState, PlanType


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
