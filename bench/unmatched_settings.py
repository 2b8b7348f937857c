"""Settings for the registration benchmark's `unmatched` path: Redress's own settings, with a URL
configuration (`bench.unmatched_urls`) that switches off the similarity of matters at registration, so the
same run measures registration with and without it (issue 13, decision 0027). Never used outside `bench/`."""

from redress.settings import *  # noqa: F403

ROOT_URLCONF = "bench.unmatched_urls"
