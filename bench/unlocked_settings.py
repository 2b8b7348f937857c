"""Settings for the registration benchmark's `unlocked` path: Redress's own settings, with a URL
configuration (`bench.unlocked_urls`) in which a registration writes its matter's band keys without taking
their locks, so the same run measures what the lock that keeps two simultaneous alike registrations from
missing each other costs (decision 0027). Never used outside `bench/`."""

from redress.settings import *  # noqa: F403

ROOT_URLCONF = "bench.unlocked_urls"
