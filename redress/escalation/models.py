"""Escalation rules as data, supervision notices and accountability records (R5, R8.4)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from redress.cases.choices import Sanction
from redress.cases.models import Case, TransferOrder
from redress.common.states import Move, Moves, StatefulModel
from redress.deadlines.models import Clock
from redress.organisation.choices import Level
from redress.organisation.models import Unit

DEFAULT_MEDIA_PHRASES = [
    "媒体", "记者", "曝光", "报社", "电视台", "微博", "抖音", "快手", "发帖", "网上", "朋友圈", "公众号",
    "头条", "热搜", "12378", "12363", "找报社", "上新闻",
]  # fmt: skip
# National or provincial media: the case goes straight to the top (P3§15).
DEFAULT_TOP_MEDIA_PHRASES = [
    "央视", "中央电视台", "人民日报", "新华社", "经济日报", "光明日报", "中国新闻网", "省电视台", "省日报",
]  # fmt: skip


class GroupScope(models.TextChoices):
    """Where the complainants of a group complaint must be (the unit complained about, else the accepting
    unit): under the same branch, the same province, or anywhere in the bank."""

    BRANCH = "branch", _("the same branch")
    PROVINCE = "province", _("the same province")
    BANK = "bank", _("anywhere in the bank")


class TriggerSettings(models.Model):
    """One version of the automatic escalation thresholds and phrase lists; the newest active one applies,
    and every flag it sets records its version."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    effective_from = models.DateField(_("effective from"))
    active = models.BooleanField(_("active"), default=True)
    group_min_complainants = models.PositiveSmallIntegerField(_("group: distinct complainants"), default=3)
    group_window_days = models.PositiveSmallIntegerField(_("group: window in days"), default=7)
    group_scope = models.CharField(
        _("group: where the complainants are"),
        max_length=16,
        choices=GroupScope.choices,
        default=GroupScope.BRANCH,
        help_text=_("Complaints about similar matters count together only within this scope."),
    )
    group_product_bank_wide = models.BooleanField(
        _("group: the same product anywhere in the bank"),
        default=True,
        help_text=_(
            "When the matter names the product, complaints about it count together wherever in the bank "
            "they were made."
        ),
    )
    similarity_threshold = models.DecimalField(
        _("similar matters: likeness at least"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.40"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1.00"))],
        help_text=_(
            "From 0.01 to 1.00: how alike two matters must be (the share of what they say in common) to be "
            "the same matter, for repeats and group complaints."
        ),
    )
    repeat_window_days = models.PositiveSmallIntegerField(
        _("repeat: window in days"),
        default=180,
        help_text=_(
            "A complaint is a repeat when the same customer complained about a similar matter this many days "
            "before or fewer, and that case was already replied to or closed."
        ),
    )
    major_joint_complainants = models.PositiveSmallIntegerField(_("major: joint complainants"), default=20)
    major_amount = models.DecimalField(
        _("major: amount above (yuan)"), max_digits=16, decimal_places=2, default=Decimal("50000.00")
    )
    media_phrases = models.JSONField(_("media-threat phrases"), default=list)
    top_media_phrases = models.JSONField(_("national / provincial media phrases"), default=list)
    notice_working_days = models.PositiveSmallIntegerField(_("supervision notice: working days"), default=2)
    # A transfer order not acknowledged within this many working days is a stuck case (R5.3).
    transfer_ack_working_days = models.PositiveSmallIntegerField(
        _("transfer order: working days to acknowledge"), default=1
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("escalation rules")
        verbose_name_plural = _("escalation rules")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version} ({self.effective_from})"


class NoticeState(models.TextChoices):
    OPEN = "open", _("open")
    ANSWERED = "answered", _("answered")
    BREACHED = "breached", _("breached")


class SupervisionNotice(StatefulModel):
    """督办单 (R5.3): issued by the level above on a late or stuck case; a new deadline, tracked like a
    transfer order. A breached notice escalates again and writes an accountability record."""

    MOVES = Moves(
        frozenset({NoticeState.OPEN}),
        answer=Move(frozenset({NoticeState.OPEN}), NoticeState.ANSWERED),
        breach=Move(frozenset({NoticeState.OPEN}), NoticeState.BREACHED),
    )

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supervision_notices")
    clock = models.ForeignKey(Clock, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Set when the case is stuck rather than late: its transfer order was not acknowledged in time.
    transfer_order = models.ForeignKey(
        TransferOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="supervision_notices"
    )
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_notice"
    )
    sequence = models.PositiveSmallIntegerField(_("sequence"), default=1)
    issued_level = models.CharField(_("issued by level"), max_length=16, choices=Level.choices)
    issued_by_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    reason = models.TextField(_("reason"))
    issued_at = models.DateTimeField(_("issued at"))
    due_at = models.DateTimeField(_("new deadline"))
    state = models.CharField(_("state"), max_length=16, choices=NoticeState.choices, default=NoticeState.OPEN)
    answered_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")
        ordering = ["issued_at", "id"]
        constraints = [
            # One notice per breached clock: a second sweeper finds it issued already.
            models.UniqueConstraint(
                fields=["clock"], name="notice_one_per_clock", condition=models.Q(previous=None)
            ),
            models.UniqueConstraint(
                fields=["transfer_order"], name="notice_one_per_transfer", condition=models.Q(previous=None)
            ),
        ]
        indexes = [
            models.Index(fields=["due_at"], name="notice_open_due_idx", condition=models.Q(state="open")),
        ]

    def __str__(self) -> str:
        return f"督办 {self.case_id} #{self.sequence}"


# The rules an accountability record is written under, in words: pages show these, never the key (the
# emergency plan's own rules are `lifecycle.emergency.PLAN_ACCOUNTABILITY`).
ACCOUNTABILITY_RULES = {
    "manual": _("Held accountable by the supervision office."),
    "supervision_notice_breached": _("A supervision notice was not answered by its deadline."),
}


class Accountability(models.Model):
    """问责 (R8.4): who is held responsible, under which rule, for which case. Reports count these."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="accountabilities")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(_("rule"), max_length=64)
    notice = models.ForeignKey(SupervisionNotice, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.TextField(_("note"), blank=True, default="")
    # Recorded by hand (the `hold_accountable` action): what was decided, and by whom it was recorded.
    sanction = models.CharField(
        _("sanction"), max_length=16, choices=Sanction.choices, blank=True, default=""
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.rule}: {self.case_id}"


class GroupMember(models.Model):
    """A case's place in a group complaint (群体性投诉): one row per member and group, the group named by its
    earliest case. A new case the group rule matches joins the group(s) of the cases it matched, so a group
    of hundreds costs a row per case, not one per pair. Registrations racing at the start of a burst may
    each form a group; a case in two of them joins them, and `services.group_of` follows such joins."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="group_memberships")
    first = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("group complaint member")
        verbose_name_plural = _("group complaint members")
        constraints = [models.UniqueConstraint(fields=["case", "first"], name="group_member_unique")]
        indexes = [models.Index(fields=["first"], name="group_member_first")]

    def __str__(self) -> str:
        return f"{self.case_id} in group {self.first_id}"


class InstructionRequest(models.Model):
    """A registration put before the leader who must instruct it (P3 第八条), and the chase when no
    instruction came in time: written by the sweeper, once per case, so each is asked and chased once."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="+")
    requested_at = models.DateTimeField(_("asked at"))
    chased_at = models.DateTimeField(_("chased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("instruction request")
        verbose_name_plural = _("instruction requests")
        indexes = [
            models.Index(
                fields=["requested_at"], name="instruction_unchased_idx", condition=models.Q(chased_at=None)
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.requested_at:%Y-%m-%d %H:%M}"
