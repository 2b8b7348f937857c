from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "redress.reports"
    label = "reports"

    def ready(self) -> None:
        # The register filters by the measures (`figure=`): the cases app below cannot name them itself.
        from .measures import register_all
        from .performance import register_figures

        register_all()
        register_figures()
