"""Known vulnerabilities in the installed Python distributions (issue 14; step "dependency audit" of .ci/run).

Usage: python -m redress.core.dependency_audit

pip-audit asks the package index for the record of each installed *version*, or asks OSV; from this machine
neither answers (decision 0025), so pip-audit skips every distribution. The index's record of a *project* does
answer, and it carries the known vulnerabilities of the project's newest release. So every installed
distribution that is its project's newest release is audited against that list, and one that is not is named
as not audited, with the newest release beside it (pip-audit's "skipped", which it also does not fail on).

Exits 1 on any known vulnerability, 2 when the index answered for none of the distributions (a check that
could not run must not pass), 0 otherwise. Reads nothing of Django, so it runs without the settings' keys.
"""

from __future__ import annotations

import concurrent.futures
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

# Distributions of this checkout, not from the index.
OWN = frozenset({"redress"})


@dataclass(frozen=True)
class ProjectRecord:
    """What the index says of a project: its newest release and the known vulnerabilities of that release."""

    newest: str
    vulnerabilities: tuple[str, ...] = ()


@dataclass
class Audit:
    audited: list[str] = field(default_factory=list)
    vulnerable: list[str] = field(default_factory=list)
    not_newest: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        if self.vulnerable:
            return 1
        if not self.audited and not self.not_newest:
            return 2
        return 0

    def lines(self) -> list[str]:
        total = len(self.audited) + len(self.vulnerable) + len(self.not_newest) + len(self.unanswered)
        out = [f"audited {len(self.audited) + len(self.vulnerable)} of {total} installed distributions"]
        out += [f"VULNERABLE: {line}" for line in self.vulnerable]
        if not self.vulnerable:
            out.append("no known vulnerability in any audited distribution")
        if self.not_newest:
            out.append("not audited (the index lists the newest release's vulnerabilities only):")
            out += [f"  {line}" for line in self.not_newest]
        if self.unanswered:
            out.append("not audited (the index did not answer):")
            out += [f"  {line}" for line in self.unanswered]
        return out


def audit(installed: Iterable[tuple[str, str]], record_of: Callable[[str], ProjectRecord | None]) -> Audit:
    """Sort each installed (name, version) by what the index's project record says of it."""
    result = Audit()
    for name, version in sorted(installed):
        record = record_of(name)
        if record is None:
            result.unanswered.append(f"{name} {version}")
        elif _same(version, record.newest):
            if record.vulnerabilities:
                result.vulnerable.append(f"{name} {version}: {', '.join(record.vulnerabilities)}")
            else:
                result.audited.append(f"{name} {version}")
        elif record.vulnerabilities:
            # The newest release is affected, so an older one very likely is too: named, not waved through.
            result.vulnerable.append(
                f"{name} {version} (newest {record.newest} is affected): {', '.join(record.vulnerabilities)}"
            )
        else:
            result.not_newest.append(f"{name} {version} (newest {record.newest})")
    return result


def _same(installed: str, newest: str) -> bool:
    try:
        return Version(installed) == Version(newest)
    except InvalidVersion:
        return installed == newest


def installed_distributions() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for dist in metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"] or "")
        if name and name not in OWN:
            seen[name] = dist.version
    return sorted(seen.items())


def index_records(base_url: str, timeout: float = 30.0) -> Callable[[str], ProjectRecord | None]:
    def record_of(name: str) -> ProjectRecord | None:
        for _ in range(3):
            try:
                with urllib.request.urlopen(f"{base_url}/{name}/json", timeout=timeout) as answer:  # nosec B310
                    data = json.load(answer)
                break
            except (urllib.error.URLError, TimeoutError, ValueError):
                continue
        else:
            return None
        ids = tuple(
            vulnerability.get("id") or ", ".join(vulnerability.get("aliases") or ()) or "unnamed advisory"
            for vulnerability in data.get("vulnerabilities") or ()
        )
        return ProjectRecord(newest=data["info"]["version"], vulnerabilities=ids)

    return record_of


def _index_json_base() -> str:
    # The index pip itself uses, so no address is written here.
    from pip._internal.models.index import PyPI

    return PyPI.pypi_url


def main() -> int:
    installed = installed_distributions()
    record_of = index_records(_index_json_base())
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        names = [name for name, _ in installed]
        records = dict(zip(names, pool.map(record_of, names), strict=True))
    result = audit(installed, records.get)
    print("\n".join(result.lines()))
    return result.exit_status


if __name__ == "__main__":
    sys.exit(main())
