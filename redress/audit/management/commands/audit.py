"""`redress audit verify`: walk the audit chain and name the first row edited, inserted or deleted (exit
status 1 then); `redress audit seal`: give the rows written since the last sweep their places now."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from redress.audit.chain import seal, verify


class Command(BaseCommand):
    help = "Check the audit chain (verify) or extend it with the rows written since the last sweep (seal)."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["verify", "seal"])
        parser.add_argument(
            "--no-seal", action="store_true", help="verify: walk the chain as it is, without sealing first"
        )

    def handle(self, *args, what: str, no_seal: bool = False, **options):
        if what == "seal":
            self.stdout.write(f"sealed {seal()} rows")
            return
        started = time.monotonic()
        verdict = verify(seal_first=not no_seal)
        took = time.monotonic() - started
        if verdict.intact:
            self.stdout.write(
                f"intact: {verdict.checked} rows checked in {took:.1f} s; last place {verdict.head_seq}, "
                f"link {verdict.head_link}"
            )
            return
        finding = verdict.finding
        raise CommandError(
            f"{finding.what.upper()}: {finding.message} ({verdict.checked} rows before it are intact)",
            returncode=1,
        )
