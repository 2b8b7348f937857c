import datetime as dt

import pytest
from django.utils import timezone

from redress.testing import Bank, build_bank

# Browser tests (`page`, `log_in`), and reference data that survives transactional tests' flushes.
pytest_plugins = ["redress.browser", "redress.reference_snapshot"]

POSTGRES_ONLY_REASON = "needs PostgreSQL: run with DATABASE_URL=postgres://... (.ci/run does)"


# The suite registers cases on fixed days from here on: days of 2026, the calendar migration's last year.
SUITE_RECEIVED_FROM = dt.date(2026, 1, 1)


@pytest.fixture(autouse=True)
def _the_suites_days_stay_receivable(request, settings):
    """From December 2029 the suite's fixed days of 2026 fall out of the three-year receipt window and every
    test registering on them would be refused; the window then reaches back to them. The tests of the window
    itself keep it as configured (`default_receipt_window`)."""
    if request.node.get_closest_marker("default_receipt_window"):
        return
    reach = (timezone.localdate() - SUITE_RECEIVED_FROM).days + 1
    if reach > settings.RECEIVED_WITHIN_DAYS:
        settings.RECEIVED_WITHIN_DAYS = reach


@pytest.fixture
def bank(db) -> Bank:
    return build_bank()


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    """Each test's attachment store is a directory of its own (changing STORAGES resets Django's storages)."""
    settings.ATTACHMENT_ROOT = tmp_path / "attachments"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(settings.ATTACHMENT_ROOT)},
        },
    }


@pytest.fixture(autouse=True)
def _the_banks_language():
    """Every test starts in the bank's language: a request in English activates English for the rest of its
    thread (LocaleMiddleware does not switch back), and the next test on that worker would inherit it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def pytest_configure(config):
    from django.conf import settings

    # Real hashers cost ~0.3 s a password by design; the tests create dozens of staff.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


CLUSTER_REASON = (
    "starts a cluster of servers for minutes: run alone with `pytest -m cluster -s` (.ci/run does)"
)


def pytest_collection_modifyitems(config, items):
    # `@pytest.mark.cluster` tests start their own servers and take minutes of both cores: only when asked
    # for by marker, never inside the parallel suite.
    if "cluster" not in (config.getoption("markexpr") or ""):
        for item in items:
            if item.get_closest_marker("cluster"):
                item.add_marker(pytest.mark.skip(reason=CLUSTER_REASON))
    # `@pytest.mark.postgres` tests (sequences, row locks, real concurrency) only mean something there.
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.skip(reason=POSTGRES_ONLY_REASON))


@pytest.fixture
def postgres_only() -> None:
    """For fixtures and tests that need PostgreSQL without carrying the marker themselves."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(POSTGRES_ONLY_REASON)
