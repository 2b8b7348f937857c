"""Reports of wrongdoing sent by the public without logging in (P3 第十六条; issue 14 item 7): the case each
registered, the hash of the receipt code its reporter holds, and the messages between the bank and the
reporter. The receipt itself is never stored (redress.receipts.services)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from redress.cases.models import Attachment, Case


class PublicReport(models.Model):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="public_report")
    # HMAC-SHA256 of the receipt code under the secret key (services.digests): found by equality, and a copy
    # of the table without the key gives no way to a receipt.
    receipt_digest = models.CharField(max_length=64, unique=True, editable=False)
    # How the reporter may be reached, if they chose to say (free text: a phone, an e-mail, a time to call).
    contact = models.CharField(_("reporter's contact"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("public report")
        verbose_name_plural = _("public reports")

    def __str__(self) -> str:
        return str(self.case_id)


class ReporterMessage(models.Model):
    """A question or answer of the bank to the reporter, or material the reporter added. Written by the
    lifecycle's actions `message_reporter` and `reporter_adds`, each with its case event."""

    report = models.ForeignKey(PublicReport, on_delete=models.PROTECT, related_name="messages")
    from_bank = models.BooleanField()
    text = models.TextField(blank=True, default="")
    # The bank's staff member who wrote it; none for the reporter.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attachments = models.ManyToManyField(Attachment, blank=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("message with the reporter")
        verbose_name_plural = _("messages with the reporter")

    def __str__(self) -> str:
        return f"{self.report_id} {self.at:%Y-%m-%d %H:%M}"
