"""API tokens: the secret is shown once and stored only as its SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"token of {self.staff_id} ({self.created_at:%Y-%m-%d})"

    @classmethod
    def issue(cls, staff) -> str:
        """Create a token for `staff` and return its secret; only the digest is stored."""
        raw = secrets.token_urlsafe(32)
        cls.objects.create(staff=staff, digest=hash_token(raw))
        return raw
