import pytest

from redress.testing import Bank, build_bank


@pytest.fixture
def bank(db) -> Bank:
    return build_bank()


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.ATTACHMENT_ROOT = tmp_path / "attachments"


def pytest_configure(config):
    from django.conf import settings

    # Real hashers cost ~0.3 s a password by design; the tests create dozens of staff.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
