"""Import units and staff from CSV or Excel files; the format is docs/import-org.md."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from redress.organisation.importing import import_files


class Command(BaseCommand):
    help = (
        "Import units and staff: an .xlsx workbook with sheets 'units' and 'staff', or CSV files "
        "(a units file and/or a staff file). Nothing changes unless every row is good (docs/import-org.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help=".xlsx workbook or .csv file(s)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row and report, change nothing"
        )

    def handle(self, *args, files, dry_run, **options):
        result = import_files(files, dry_run=dry_run)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(_("%(count)d error(s); nothing was changed.") % {"count": len(result.errors)})
        summary = _(
            "units: %(uc)d created, %(uu)d updated, %(un)d unchanged; "
            "staff: %(sc)d created, %(su)d updated, %(sn)d unchanged."
        ) % {
            "uc": result.units_created,
            "uu": result.units_updated,
            "un": result.units_unchanged,
            "sc": result.staff_created,
            "su": result.staff_updated,
            "sn": result.staff_unchanged,
        }
        if dry_run:
            summary = _("Dry run, nothing was changed. Would have: %(summary)s") % {"summary": summary}
        self.stdout.write(summary)
