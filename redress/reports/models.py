"""The reports app's tables: each case's figures and their daily rollup (declared in `figures`, the part of
the app the lifecycle calls in the transaction of every registration and transition)."""

from .figures import CaseFigures, DailyFigures

__all__ = ["CaseFigures", "DailyFigures"]
