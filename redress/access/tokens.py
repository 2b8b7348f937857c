"""API tokens' life: issued for a password, listed and revoked by their owner or an administrator, revoked
all at once when the password changes or the account is deactivated."""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import QuerySet
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import Http404
from django.utils import timezone

from redress.organisation.choices import Role
from redress.organisation.models import Staff

from .models import ApiToken, RevokedBecause

log = logging.getLogger("redress.access.tokens")


def may_manage_tokens_of_others(user: Staff) -> bool:
    return user.has_role(Role.ADMIN)


def tokens_for(user: Staff, owner: Staff | None = None) -> QuerySet[ApiToken]:
    """The tokens `user` may see: their own, or `owner`'s (anyone's when None) for an administrator."""
    tokens = ApiToken.objects.select_related("staff").order_by("-created_at", "-pk")
    if not may_manage_tokens_of_others(user):
        return tokens.filter(staff=user)
    return tokens if owner is None else tokens.filter(staff=owner)


def revoke_token(user: Staff, token_id: int, now: dt.datetime | None = None) -> ApiToken:
    """Revoke one token of the user's own, or anyone's for an administrator. Another person's token is the
    same 404 as none. Revoking a revoked token changes nothing."""
    token = tokens_for(user).filter(pk=token_id).first()
    if token is None:
        raise Http404("No such token.")
    if not token.revoked:
        because = RevokedBecause.OWNER if token.staff_id == user.pk else RevokedBecause.ADMINISTRATOR
        _revoke(ApiToken.objects.filter(pk=token.pk), because, now)
        token.refresh_from_db()
        log.info(
            "API token %s of staff member %s revoked by staff member %s", token.pk, token.staff_id, user.pk
        )
    return token


def revoke_all(staff_id: int, because: str, now: dt.datetime | None = None) -> int:
    return _revoke(ApiToken.objects.filter(staff_id=staff_id), because, now)


def _revoke(tokens: QuerySet[ApiToken], because: str, now: dt.datetime | None) -> int:
    return tokens.filter(revoked=False).update(
        revoked=True, revoked_at=now or timezone.now(), revoked_because=because
    )


@receiver(post_save, sender=Staff, dispatch_uid="redress-revoke-tokens")
def _revoke_on_password_change_or_deactivation(
    sender, instance: Staff, created: bool, update_fields=None, **kwargs
) -> None:
    # A token is a password that stays valid on its own: it must not outlive the password it was issued
    # for, nor the account. AbstractBaseUser keeps the new raw password in `_password` until after save.
    if created or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return
    changed = getattr(instance, "_password", None) is not None
    if changed and (n := revoke_all(instance.pk, RevokedBecause.PASSWORD_CHANGED)):
        log.info("%d API token(s) of staff member %s revoked: password changed", n, instance.pk)
    if not instance.is_active and (n := revoke_all(instance.pk, RevokedBecause.DEACTIVATED)):
        log.info("%d API token(s) of staff member %s revoked: deactivated", n, instance.pk)
