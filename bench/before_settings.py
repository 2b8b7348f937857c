"""Settings for the registration benchmark's `before` path: Redress's own settings, with a URL configuration
(`bench.before_urls`) in which a registration evaluates the repeat and group rules as they were before the
similarity of matters (`bench.rules_before`), so the same run measures what issue 13 costs registration
against the rules it replaced (decision 0027, target 4). Never used outside `bench/`."""

from redress.settings import *  # noqa: F403

ROOT_URLCONF = "bench.before_urls"
