"""Settings for the stack floor of the registration benchmark: Redress's own settings, with a URL
configuration that puts `bench.floor_urls` in front of Redress's routes. Never used outside `bench/`."""

from redress.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
