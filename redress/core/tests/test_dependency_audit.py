"""The dependency audit of .ci/run (redress/core/dependency_audit.py), on records given, not fetched."""

from redress.core.dependency_audit import ProjectRecord, audit


def records(**by_name: ProjectRecord):
    return by_name.get


def test_newest_release_without_known_vulnerabilities_is_audited_clean() -> None:
    result = audit([("django", "6.1.3")], records(django=ProjectRecord("6.1.3")))
    assert result.audited == ["django 6.1.3"]
    assert result.exit_status == 0


def test_known_vulnerability_in_the_installed_release_fails_the_audit() -> None:
    result = audit([("django", "6.1.3")], records(django=ProjectRecord("6.1.3", ("PYSEC-2026-1",))))
    assert result.vulnerable == ["django 6.1.3: PYSEC-2026-1"]
    assert result.exit_status == 1
    assert "VULNERABLE: django 6.1.3: PYSEC-2026-1" in result.lines()


def test_older_release_is_named_as_not_audited_with_the_newest() -> None:
    result = audit([("cryptography", "50.0.2")], records(cryptography=ProjectRecord("51.0.1")))
    assert result.not_newest == ["cryptography 50.0.2 (newest 51.0.1)"]
    assert result.audited == []
    assert result.exit_status == 0


def test_older_release_fails_when_even_the_newest_is_affected() -> None:
    result = audit([("jieba", "0.42.0")], records(jieba=ProjectRecord("0.42.1", ("GHSA-x",))))
    assert result.exit_status == 1


def test_versions_compare_by_meaning_not_by_spelling() -> None:
    result = audit([("pyyaml", "6.0")], records(pyyaml=ProjectRecord("6.0.0")))
    assert result.audited == ["pyyaml 6.0"]


def test_an_index_that_answers_for_nothing_fails_the_audit() -> None:
    result = audit([("django", "6.1.3"), ("numpy", "2.3.0")], records())
    assert result.unanswered == ["django 6.1.3", "numpy 2.3.0"]
    assert result.exit_status == 2
