from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "redress.reports"
    label = "reports"
    verbose_name = _("statistics and reports")

    def ready(self) -> None:
        # The register filters by the measures (`figure=`): the cases app below cannot name them itself.
        from django.db.backends.signals import connection_created

        from .figures import register_sqlite_functions
        from .measures import register_all
        from .performance import register_figures

        register_all()
        register_figures()
        # The slices by a unit's ancestor are summed in SQL, which SQLite cannot split a path in by itself.
        connection_created.connect(register_sqlite_functions, dispatch_uid="redress-reports-sqlite-functions")
