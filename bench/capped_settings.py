"""Settings for the registration benchmark's `capped` path: Redress's own settings, with a URL configuration
(`bench.capped_urls`) in which the related-matters lookup reads at most 30 candidates instead of 100, so the
same run measures decision 0027's option 2 (a lower cap). Never used outside `bench/`."""

from redress.settings import *  # noqa: F403

ROOT_URLCONF = "bench.capped_urls"
