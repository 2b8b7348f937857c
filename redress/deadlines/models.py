"""Time-limit policies (versioned data) and every case's clocks (R4.1, R4.4)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from redress.calendar.choices import LimitUnit
from redress.cases.models import Case
from redress.common.states import Move, Moves, StatefulModel

from .choices import (
    COUNTING_STATES,
    LIVE_STATES,
    ClockName,
    ClockState,
    ExtensionState,
    PauseReason,
    PolicySource,
    StartEvent,
)
from .policies import validate_criteria


class Policy(models.Model):
    """One version of a time-limit policy: which cases it applies to and the clocks it sets.

    `criteria` (all optional; empty means any): {"kinds": [...], "categories": [...], "channels": [...],
    "complexity": "ordinary"|"complex", "emergency": true|false}; any other key or shape is refused
    (`policies.validate_criteria`).
    `targets`: a list of {"clock", "amount", "unit", "start", "warn_percent" | "warn_after", "roll_forward",
    "extensions": [total amounts allowed by successive approvals]} — see redress/deadlines/policies.py.
    A case keeps the version it was judged under; a new version never moves existing clocks.
    """

    code = models.CharField(_("code"), max_length=64)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=128)
    source = models.CharField(_("source"), max_length=16, choices=PolicySource.choices)
    basis = models.CharField(_("basis"), max_length=255, blank=True, default="")
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    criteria = models.JSONField(_("applies to"), default=dict, blank=True)
    targets = models.JSONField(_("clock targets"), default=list)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("time-limit policy")
        verbose_name_plural = _("time-limit policies")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="policy_code_version_unique")]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def clean_fields(self, exclude: Iterable[str] | None = None) -> None:
        # On the model rather than the admin form, so every validated write refuses a criterion no matcher
        # knows, shown beside the criteria field. Here rather than in clean(): a version clocks were computed
        # under shows its criteria read-only, so the form excludes them, and clean() raising for a field the
        # form lacks is a crash (ValueError) where deactivating that version must still work.
        errors: dict[str, list] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        checked = "criteria" not in (exclude or ()) and "criteria" not in errors
        if checked and (problems := validate_criteria(self.criteria)):
            errors["criteria"] = problems
        if errors:
            raise ValidationError(errors)


class Clock(StatefulModel):
    """One deadline of one case: due time, warning point, state, and what it was computed from."""

    MOVES = Moves(
        frozenset({ClockState.RUNNING}),
        warn=Move(frozenset({ClockState.RUNNING}), ClockState.WARNING),
        breach=Move(frozenset({ClockState.RUNNING, ClockState.WARNING}), ClockState.BREACHED),
        meet=Move(LIVE_STATES, ClockState.MET),
        stop=Move(LIVE_STATES, ClockState.STOPPED),
        pause=Move(COUNTING_STATES, ClockState.PAUSED),
        resume=Move(frozenset({ClockState.PAUSED}), ClockState.RUNNING),
        # More time (an extension): a clock that warned or ran out counts again.
        extend=Move(COUNTING_STATES, ClockState.RUNNING),
    )

    # Indexed by (case, name) below; a second index on case alone would only slow every recompute.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks", db_index=False)
    name = models.CharField(_("clock"), max_length=32, choices=ClockName.choices)
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="clocks")
    # Clocks met by the same event (reply and statutory decision) form a group; its earliest due binds.
    group = models.CharField(max_length=32)
    binding = models.BooleanField(_("binding"), default=True)
    start_event = models.CharField(max_length=16, choices=StartEvent.choices)
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    unit = models.CharField(max_length=16, choices=LimitUnit.choices)
    roll_forward = models.BooleanField(default=False)
    # Added to `amount` by approved extensions and by pauses (days or hours not counted).
    adjustment = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    warn_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    warn_after = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"))
    warn_at = models.DateTimeField(_("warning from"))
    unconfirmed = models.BooleanField(_("unconfirmed"), default=False)
    state = models.CharField(
        _("state"), max_length=16, choices=ClockState.choices, default=ClockState.RUNNING
    )
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(max_length=16, choices=PauseReason.choices, blank=True, default="")
    extensions = models.PositiveSmallIntegerField(default=0)
    # Set by the sweeper when it has acted on the warning / the breach, so it acts once.
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["case", "name"], name="clock_case_name_idx"),
            # The sweeper's and the "due soon" view's query: live clocks by due time.
            models.Index(
                fields=["due_at"],
                name="clock_live_due_idx",
                condition=models.Q(state__in=[ClockState.RUNNING, ClockState.WARNING]),
            ),
            models.Index(
                fields=["warn_at"], name="clock_running_warn_idx", condition=models.Q(state="running")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.name} due {self.due_at:%Y-%m-%d %H:%M}"


class ClockPause(models.Model):
    """A pause the law allows, with its reason and both ends."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(_("reason"), max_length=16, choices=PauseReason.choices)
    note = models.TextField(_("note"), blank=True, default="")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    credited = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("clock pause")
        verbose_name_plural = _("clock pauses")
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"{self.clock_id} paused {self.started_at:%Y-%m-%d}"


class Extension(StatefulModel):
    """An extension of a clock (R4.1, REGULATION.md): requested with a reason, approved at the right level,
    and the customer told."""

    MOVES = Moves(
        frozenset({ExtensionState.REQUESTED}),
        approve=Move(frozenset({ExtensionState.REQUESTED}), ExtensionState.APPROVED),
        refuse=Move(frozenset({ExtensionState.REQUESTED}), ExtensionState.REFUSED),
    )

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="extension_requests")
    step = models.PositiveSmallIntegerField()
    new_amount = models.DecimalField(max_digits=8, decimal_places=2)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=16, choices=ExtensionState.choices, default=ExtensionState.REQUESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.clock_id} step {self.step}: {self.state}"
