"""API tokens: the secret is shown once and stored only as its SHA-256. A token expires API_TOKEN_DAYS
after it was issued and is revoked by its owner, an administrator, a password change or deactivation."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class RevokedBecause(models.TextChoices):
    OWNER = "owner", _("revoked by its owner")
    ADMINISTRATOR = "administrator", _("revoked by an administrator")
    PASSWORD_CHANGED = "password_changed", _("the password was changed")
    DEACTIVATED = "deactivated", _("the account was deactivated")


class ApiToken(models.Model):
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("staff member"),
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    # Kept to the minute: a request writes it only when the last write is older (access.services).
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_because = models.CharField(
        _("revoked because"), max_length=32, choices=RevokedBecause.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"token {self.pk} of {self.staff_id} ({self.created_at:%Y-%m-%d})"

    @property
    def active(self) -> bool:
        return not self.revoked and self.expires_at > timezone.now()

    @classmethod
    def issue(cls, staff, now: dt.datetime | None = None) -> str:
        """Create a token for `staff` and return its secret; only the digest is stored."""
        return cls.issue_row(staff, now)[1]

    @classmethod
    def issue_row(cls, staff, now: dt.datetime | None = None) -> tuple[ApiToken, str]:
        raw = secrets.token_urlsafe(32)
        expires = (now or timezone.now()) + dt.timedelta(days=settings.API_TOKEN_DAYS)
        return cls.objects.create(staff=staff, digest=hash_token(raw), expires_at=expires), raw
