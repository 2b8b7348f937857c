"""A case: one registration of any kind (R2), with its flags, attachments and event history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redress.common.chain import ChainedRow
from redress.common.fields import EncryptedTextField
from redress.common.states import Move, Moves, StatefulModel
from redress.organisation.choices import Level
from redress.organisation.models import Staff, Unit

from .choices import (
    Category,
    Channel,
    ContactMethod,
    Dimension,
    EventKind,
    Flag,
    InvestigationState,
    Kind,
    Responsibility,
    SafetyIncident,
    Satisfaction,
    StatClass,
    State,
    TransferState,
)


class ClassificationVersion(models.Model):
    """One loaded edition of the regulatory classification (JR/T 0169-2018 and its successors)."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    effective_from = models.DateField(_("effective from"))
    loaded_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(_("active"), default=False)

    class Meta:
        verbose_name = _("classification version")
        verbose_name_plural = _("classification versions")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.name


class ClassificationItem(models.Model):
    """One class of one dimension, keyed by its label path (`银行卡/信用卡`); official codes have a slot."""

    version = models.ForeignKey(ClassificationVersion, on_delete=models.PROTECT, related_name="items")
    dimension = models.CharField(_("dimension"), max_length=32, choices=Dimension.choices)
    label = models.CharField(
        _("label"), max_length=128, help_text=_("Full label path, classes joined by '/'.")
    )
    label_en = models.CharField(_("English label"), max_length=128, blank=True, default="")
    code = models.CharField(_("official code"), max_length=16, blank=True, default="")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("classification item")
        verbose_name_plural = _("classification items")
        ordering = ["dimension", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "dimension", "label"], name="classification_item_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label


class Case(StatefulModel):
    """The register's row. Written only through the cases app's services (create_case) and the lifecycle,
    which alone changes its state (redress.lifecycle: every action declared, each transition audited)."""

    # A case starts registered; its moves are the lifecycle's actions, not declared here.
    MOVES = Moves(frozenset({State.REGISTERED}))

    number = models.CharField(_("case number"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=32, choices=Channel.choices)
    received_at = models.DateTimeField(_("received at"))
    # The accepting unit (受理单位): the first responder's unit at registration.
    unit = models.ForeignKey(
        Unit, verbose_name=_("accepting unit"), on_delete=models.PROTECT, related_name="+"
    )
    # The unit that holds the case now; equals `unit` until the case is transferred.
    holder_unit = models.ForeignKey(
        Unit, verbose_name=_("holding unit"), on_delete=models.PROTECT, related_name="+"
    )
    subject_unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit complained about"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    subject_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff complained about"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # Denormalised unit paths: visibility is a prefix match on indexed columns, never a join up the tree.
    unit_path = models.CharField(max_length=255, editable=False)
    holder_unit_path = models.CharField(max_length=255, editable=False)
    subject_unit_path = models.CharField(max_length=255, editable=False, default="")

    complainant_name = models.CharField(_("complainant"), max_length=64, blank=True, default="")
    # Stored encrypted, each with its blind index for the lookups by equality (repeat detection, the
    # register's search): redress.common.fields, decision 0031. The name stays clear, for search.
    complainant_phone = EncryptedTextField(
        _("contact phone"), blank=True, default="", index="complainant_phone_index"
    )
    complainant_id_number = EncryptedTextField(
        _("ID number"), blank=True, default="", index="complainant_id_index"
    )
    # The accounts or cards the complaint is about and the complainant's address: encrypted too, never
    # looked up by equality (no index).
    complainant_accounts = EncryptedTextField(_("account or card numbers"), blank=True, default="")
    complainant_address = EncryptedTextField(_("complainant's address"), blank=True, default="")
    complainant_phone_index = models.CharField(max_length=32, blank=True, default="", editable=False)
    complainant_id_index = models.CharField(max_length=32, blank=True, default="", editable=False)
    complainant_vip = models.BooleanField(_("VIP customer"), default=False)
    complainant_anonymous = models.BooleanField(_("anonymous"), default=False)
    complainant_confidential = models.BooleanField(_("asks for confidentiality"), default=False)
    # A joint complaint names how many people it speaks for (20 or more make it major, REGULATION.md).
    joint_complainants = models.PositiveIntegerField(_("joint complainants"), default=1)

    matter = models.TextField(_("matter"))
    demand = models.TextField(_("demand"), blank=True, default="")
    category = models.CharField(
        _("category"), max_length=32, choices=Category.choices, blank=True, default=""
    )
    business_category = models.ForeignKey(
        ClassificationItem,
        verbose_name=_("business category"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reason = models.ForeignKey(
        ClassificationItem,
        verbose_name=_("reason"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    regulatory_channel = models.ForeignKey(
        ClassificationItem,
        verbose_name=_("regulatory channel"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    product = models.CharField(_("business line / product"), max_length=128, blank=True, default="")
    amount = models.DecimalField(_("amount involved"), max_digits=16, decimal_places=2, null=True, blank=True)

    first_responder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first responder"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.REGISTERED)
    # Escalation level is an attribute of the case, not a state.
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    # Review outcome as told to the complainant (R2.6).
    rejection_reason = models.TextField(_("reason not accepted"), blank=True, default="")
    # An earlier case of the same complainant and matter (R6.6): the repeat is re-verified against it.
    previous_case = models.ForeignKey(
        "self",
        verbose_name=_("earlier case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repeats",
    )
    responsibility = models.CharField(
        _("responsibility"), max_length=16, choices=Responsibility.choices, blank=True, default=""
    )
    # Statistics class decided at close (R7.4), with the rule version and the facts that decided it.
    stat_class = models.CharField(
        _("statistics class"), max_length=16, choices=StatClass.choices, blank=True, default=""
    )
    stat_rule = models.CharField(max_length=32, blank=True, default="")
    stat_facts = models.JSONField(default=dict, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Bumped on every write: a stale writer's conditional update matches no row (no lost updates).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="case_received_idx"),
            models.Index(fields=["unit_path"], name="case_unit_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(
                fields=["holder_unit_path"], name="case_holder_path_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["subject_unit_path"], name="case_subject_path_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["channel", "-received_at"], name="case_channel_idx"),
            models.Index(fields=["kind", "-received_at"], name="case_kind_idx"),
            models.Index(fields=["state", "-received_at"], name="case_state_idx"),
            models.Index(fields=["category", "-received_at"], name="case_category_idx"),
            models.Index(fields=["complainant_phone_index"], name="case_phone_index_idx"),
            models.Index(fields=["complainant_id_index"], name="case_id_index_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self._refuse_withheld()
        super().save(*args, **kwargs)

    def before_insert(self) -> None:
        self._refuse_withheld()
        super().before_insert()

    def _refuse_withheld(self) -> None:
        # A case whose content was withheld for a reader (access/confidential.py) holds placeholders.
        if getattr(self, "withheld_in_memory", False):
            raise TypeError("a case withheld for a reader is never saved")

    @property
    def flag_names(self) -> list[str]:
        return sorted(f.flag for f in self.flags.all())

    @classmethod
    def phone_index(cls, phone: str) -> str:
        """The blind index of a (normalised) phone number, as stored in `complainant_phone_index`."""
        return cls._meta.get_field("complainant_phone").index_of(phone)

    @classmethod
    def id_index(cls, id_number: str) -> str:
        """The blind index of a (normalised) ID number, as stored in `complainant_id_index`."""
        return cls._meta.get_field("complainant_id_number").index_of(id_number)

    @property
    def is_open(self) -> bool:
        from .choices import OPEN_STATES

        return self.state in OPEN_STATES


CASE_UNITS = ("unit", "holder_unit", "subject_unit")
CASE_PEOPLE = ("subject_staff", "first_responder", "handler")
CASE_CLASSES = ("business_category", "reason", "regulatory_channel")


def with_relations(cases: models.QuerySet[Case]) -> models.QuerySet[Case]:
    """`cases` with the units, people and classes a case page or response shows, never one query per case.

    Only the units are joined. PostgreSQL planned the case joined with all nine in 50–70 ms at 10,000 and at
    1,000,000 cases (it ran in 1 ms); the people and classes come by key, a small query for each relation.
    """
    return cases.select_related(*CASE_UNITS).prefetch_related(
        *(models.Prefetch(name, queryset=Staff.objects.all()) for name in CASE_PEOPLE),
        *(models.Prefetch(name, queryset=ClassificationItem.objects.all()) for name in CASE_CLASSES),
    )


class CaseFlag(models.Model):
    """A flag on a case with the evidence that set it (a staff member's word, a rule's finding)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="flags")
    flag = models.CharField(_("flag"), max_length=32, choices=Flag.choices)
    evidence = models.JSONField(default=dict, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [models.UniqueConstraint(fields=["case", "flag"], name="case_flag_unique")]
        indexes = [models.Index(fields=["flag", "case"], name="case_flag_flag_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.flag}"


class Attachment(models.Model):
    """A letter, photo or call recording. The bytes live in the attachment store (a local directory or an
    object store: cases/attachments.py) under `storage_name`, not in the database."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    storage_name = models.CharField(max_length=255, unique=True, editable=False)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=128)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class CaseEvent(ChainedRow):
    """One entry of a case's history: who did what, when, with old and new values where a field changed.
    Written once and never changed: sealed when written and chained by `redress.audit` (decision 0029)."""

    CHAINED = ("case_id", "kind", "actor_id", "at", "data")
    # The free text and names an event carries are in `data`: erased when the case's retention ends, the rest
    # of the row and its place in the chain kept (decision 0037).
    ERASABLE = "data"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when the row is made (not by the INSERT, as auto_now_add would), so the seal covers it.
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_at_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class RegistrationKey(models.Model):
    """A client's idempotency key: the same key from the same caller returns the first case (R2.9)."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["staff", "key"], name="registration_key_unique")]

    def __str__(self) -> str:
        return f"{self.key} → {self.case_id}"


class CaseNumberCounter(models.Model):
    """Per-year counter for case numbers on databases without sequences (SQLite)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class _CaseRecord(models.Model):
    """Common columns of the records a case's handling leaves behind: who wrote it and when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{type(self).__name__} of {self.case_id}"


class TransferOrder(_CaseRecord, StatefulModel):
    """转办单 (R3.2): sends the case to the unit that must fix it, with a deadline."""

    MOVES = Moves(
        frozenset({TransferState.OPEN}),
        acknowledge=Move(frozenset({TransferState.OPEN}), TransferState.ACKNOWLEDGED),
        bounce=Move(frozenset({TransferState.OPEN}), TransferState.BOUNCED),
        report=Move(frozenset({TransferState.ACKNOWLEDGED}), TransferState.REPORTED),
    )

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfer_orders")
    # Issued at the transition's time (which an import or a test may set), not the row's insert time.
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    from_unit = models.ForeignKey(Unit, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True, default="")
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=TransferState.choices, default=TransferState.OPEN
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bounced_at = models.DateTimeField(null=True, blank=True)
    bounce_reason = models.TextField(_("reason sent back"), blank=True, default="")

    class Meta(_CaseRecord.Meta):
        verbose_name = _("transfer order")
        verbose_name_plural = _("transfer orders")


class ResultReport(_CaseRecord):
    """处理结果报告单 (R7.1): required before a transferred case can close."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="result_reports")
    findings = models.TextField(_("matter and findings"))
    staff_handling = models.TextField(_("handling of the responsible persons"))
    lessons = models.TextField(_("lessons learned"))
    rectification = models.TextField(_("rectification"))
    customer_satisfaction = models.CharField(
        _("customer's satisfaction"), max_length=32, choices=Satisfaction.choices
    )
    handled_at = models.DateTimeField(_("handled at"))
    handler_name = models.CharField(_("handler"), max_length=64)
    handler_phone = models.CharField(_("handler's phone"), max_length=20)

    class Meta(_CaseRecord.Meta):
        verbose_name = _("result report")
        verbose_name_plural = _("result reports")


class CustomerContact(_CaseRecord):
    """A contact with the customer; a reply is a contact that carries the decision notice."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    at = models.DateTimeField(_("at"))
    method = models.CharField(_("method"), max_length=16, choices=ContactMethod.choices)
    note = models.TextField(_("note"), blank=True, default="")
    is_reply = models.BooleanField(_("decision notice"), default=False)
    # The remedies open to the customer, as stated in the notice (CBIRC Order 2020 No. 3).
    remedies = models.TextField(_("remedies stated"), blank=True, default="")

    class Meta(_CaseRecord.Meta):
        verbose_name = _("customer contact")
        verbose_name_plural = _("customer contacts")


class FollowUp(_CaseRecord):
    """回访 (R7.2)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    satisfaction = models.CharField(_("satisfaction"), max_length=32, choices=Satisfaction.choices)
    note = models.TextField(_("note"), blank=True, default="")

    class Meta(_CaseRecord.Meta):
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")


class Escalation(_CaseRecord):
    """升级 (R5.1): who, when, why and to which level. `trigger` is `manual` or the rule that fired."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="escalations")
    from_level = models.CharField(_("from level"), max_length=16, choices=Level.choices)
    to_level = models.CharField(_("to level"), max_length=16, choices=Level.choices)
    # The unit at `to_level` above the case's unit: its work group acts from now on.
    to_unit = models.ForeignKey(
        Unit,
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    trigger = models.CharField(_("trigger"), max_length=32, default="manual")

    class Meta(_CaseRecord.Meta):
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")


class Instruction(_CaseRecord):
    """批示 (R2.8): the leader in charge's instruction, written into the register's opinion field."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="instructions")
    text = models.TextField(_("instruction"))

    class Meta(_CaseRecord.Meta):
        verbose_name = _("instruction")
        verbose_name_plural = _("instructions")


class Chase(_CaseRecord):
    """The first responder's chase of a late handler, and the report to the handler's head after it (R3.4)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="chases")
    note = models.TextField(_("note"), blank=True, default="")
    to_head = models.BooleanField(_("reported to the head"), default=False)

    class Meta(_CaseRecord.Meta):
        verbose_name = _("chase")
        verbose_name_plural = _("chases")


class Withdrawal(_CaseRecord):
    """撤诉 (R6.7): verified voluntary or not."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="withdrawals")
    voluntary = models.BooleanField(_("voluntary"))
    reason = models.TextField(_("reason"))

    class Meta(_CaseRecord.Meta):
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")


class Investigation(_CaseRecord):
    """An investigation of those who pressured a customer to withdraw (R6.7), tracked to its conclusion."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="investigations")
    withdrawal = models.OneToOneField(Withdrawal, on_delete=models.PROTECT, related_name="investigation")
    state = models.CharField(
        _("state"), max_length=16, choices=InvestigationState.choices, default=InvestigationState.OPEN
    )
    findings = models.TextField(_("findings"), blank=True, default="")
    concluded_at = models.DateTimeField(null=True, blank=True)

    class Meta(_CaseRecord.Meta):
        verbose_name = _("investigation")
        verbose_name_plural = _("investigations")


class CompensationApproval(_CaseRecord):
    """R6.3: no outlet promises a payout; the business line's joint approval is recorded first."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="compensation_approvals")
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    business_line = models.ForeignKey(
        Unit, verbose_name=_("business line"), on_delete=models.PROTECT, related_name="+"
    )
    approver_name = models.CharField(_("approved by"), max_length=64)
    note = models.TextField(_("note"), blank=True, default="")

    class Meta(_CaseRecord.Meta):
        verbose_name = _("compensation approval")
        verbose_name_plural = _("compensation approvals")


class LegalReferral(_CaseRecord):
    """R6.4: an economic dispute needing court, reported to leadership and referred to legal counsel."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="legal_referrals")
    note = models.TextField(_("note"))
    leadership_informed = models.BooleanField(_("leadership informed"), default=True)

    class Meta(_CaseRecord.Meta):
        verbose_name = _("legal referral")
        verbose_name_plural = _("legal referrals")


class SafetyRecord(_CaseRecord):
    """R6.8: aggressive or drunk customers, mental illness, crowds — with the safety steps taken."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="safety_records")
    incident = models.CharField(_("incident"), max_length=32, choices=SafetyIncident.choices)
    security_called = models.BooleanField(_("security department called"), default=False)
    police_called = models.BooleanField(_("police called"), default=False)
    video_covered = models.BooleanField(_("covered by video"), default=False)
    note = models.TextField(_("what happened and what was done"))

    class Meta(_CaseRecord.Meta):
        verbose_name = _("safety record")
        verbose_name_plural = _("safety records")
