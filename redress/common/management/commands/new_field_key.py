"""`redress new-field-key`: print a fresh key for REDRESS_FIELD_KEYS (written `id:key`) or
REDRESS_FIELD_INDEX_KEY."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from redress.common.crypto import new_key


class Command(BaseCommand):
    help = "Print a new random key (base64 of 32 bytes) for the personal data at rest."

    def handle(self, *args, **options):
        self.stdout.write(new_key())
