"""The declared order of Redress's parts, checked on the source with `ast` (no Django, no database).

The checker is pure functions over {module name: source text}: the real tests feed it the files on disk,
test_the_checker_reports_each_kind_of_violation a tiny made-up project.
"""

import ast
import functools
import itertools
from pathlib import Path
from typing import NamedTuple

# Top (may import everything below) to bottom (imports nothing above). Parts on one line are independent.
LAYERS = [
    ("redress.web", "redress.api"),  # interfaces
    ("redress.core",),  # demo bank, commands, health
    ("redress.retention",),  # closed cases anonymised past their period (decision 0037)
    ("redress.reports",),  # figures across cases: daily report, summaries (docs/reports.md)
    ("redress.lifecycle",),  # the case's life: actions, perform, triggers applied, sweeper
    # The body that referred a complaint, its deadline and the reply sent back; the daily checks and the media
    # items found by monitoring.
    ("redress.referrals", "redress.watch"),
    ("redress.reports.figures",),  # each case's figures and the rollup, kept by the lifecycle's transactions
    ("redress.escalation",),
    ("redress.notifications",),
    ("redress.matching",),  # what a complaint is about: search, similarity, suggestions, phrases
    ("redress.deadlines", "redress.routing", "redress.receipts"),  # receipts: the public's reports
    ("redress.plans",),  # emergency plans: window, covered units, limits, types, statements (decision 0035)
    ("redress.audit",),  # the trail of reads and the chain of rows written once
    ("redress.access",),
    ("redress.cases",),
    ("redress.text",),  # Chinese text as words: segmentation, full-text queries (no models)
    ("redress.calendar",),
    ("redress.organisation",),
    ("redress.common",),  # shared helpers
]
RANK = {part: rank for rank, line in enumerate(LAYERS) for part in line}
# Above the layers: they wire the parts together and may import anything; nothing in a layer imports them.
COMPOSITION = ("redress", "redress.settings", "redress.urls", "redress.wsgi", "redress.celery", "redress.cli")
COMPOSITION += ("redress.conftest", "redress.testing", "redress.testing_cluster", "redress.browser")
COMPOSITION += ("redress.reference_snapshot",)
# Rule 1's exceptions, (importing part, imported part): reason. A test fails when one is no longer needed.
EXCEPTIONS = {
    ("redress.notifications", "redress.celery"): "notifications' tasks are registered on Redress's Celery app"
    " (`@app.task`, not `shared_task`) and NotificationsConfig.ready imports it to make it the current app in"
    " every process; the app knows no part in return (it autodiscovers `tasks` modules by name)",
}


class Import(NamedTuple):
    importer: str  # the importing module
    where: str  # its file:line
    module: str  # the imported module: `from a import b` is a.b when that is a module, else a
    name: str | None  # the name taken from `module`, if any
    runtime: bool  # runs when the importer is imported: not in a function, not under `if TYPE_CHECKING:`


def _imports_in(tree: ast.Module, package: list[str], calls: bool) -> list[tuple]:
    """(line, module, name, runtime) of every import, relative ones resolved against `package`. Expressions
    are walked only if `calls` (the source names import_module/import_string): they take most of the time."""
    found, stack = [], [(tree, True)]
    while stack:
        node, runtime = stack.pop()
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, None, runtime) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) + 1 - node.level] if node.level else []  # `from ..x import y`
            module = ".".join([*base, node.module] if node.module else base)
            found += [(node.lineno, module, alias.name, runtime) for alias in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(literal := node.args[0], ast.Constant):
            callee = getattr(node.func, "id", getattr(node.func, "attr", None))
            if callee == "import_module" and isinstance(literal.value, str):
                found.append((node.lineno, literal.value, None, runtime))
            elif callee == "import_string" and isinstance(literal.value, str):
                found.append((node.lineno, *literal.value.rsplit(".", 1), runtime))
        guard = getattr(node, "test", None)
        if isinstance(node, ast.If) and getattr(guard, "id", getattr(guard, "attr", "")) == "TYPE_CHECKING":
            stack += [(child, False) for child in node.body] + [(child, runtime) for child in node.orelse]
            continue
        runtime = runtime and not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        blocks = ("body", "orelse", "finalbody", "handlers", "cases")  # the fields that hold statements
        children = ast.iter_child_nodes(node) if calls else (c for b in blocks for c in getattr(node, b, ()))
        stack += [(child, runtime) for child in children]
    return sorted(found, key=lambda found: found[0])


def parse_imports(sources: dict[str, str]) -> list[Import]:
    """The imports of the project's modules (redress.*) by the modules in `sources`."""
    packages, imports = {module.rpartition(".")[0] for module in sources}, []
    for importer, source in sources.items():
        path = importer.replace(".", "/") + ("/__init__.py" if importer in packages else ".py")
        package = importer.split(".")[: None if importer in packages else -1]
        calls = "import_module" in source or "import_string" in source
        for line, module, name, runtime in _imports_in(ast.parse(source), package, calls):
            if name and f"{module}.{name}" in sources:
                module, name = f"{module}.{name}", None
            if module.split(".")[0] == "redress":
                imports.append(Import(importer, f"{path}:{line}", module, name, runtime))
    return imports


def part_of(module: str) -> str | None:
    """The declared part of a module, by the longest prefix; None if it is in none (a new redress.x)."""
    parts = [part for part in (*RANK, *COMPOSITION) if module == part or module.startswith(part + ".")]
    part = max(parts, key=len)
    return None if part == "redress" != module else part


def is_test(module: str) -> bool:
    names = module.split(".")
    return "tests" in names or names[-1] == "conftest" or names[-1].startswith("test_")


def is_exempt(module: str) -> bool:
    """From rules 1 and 3: tests set up and inspect any part, and a migration is a frozen record of the
    models it names, run by Django and imported by no part."""
    return is_test(module) or "migrations" in module.split(".")


def layer_violations(imports: list[Import]) -> tuple[list[str], set[tuple[str, str]]]:
    """Rule 1, and the EXCEPTIONS it used. Every import counts, in a function or under TYPE_CHECKING too:
    the order is about which part knows which, not about what runs when."""
    found, used = [], set()
    for imp in imports:
        source, target = part_of(imp.importer), part_of(imp.module)
        if is_exempt(imp.importer) or source in COMPOSITION or source == target is not None:
            continue
        if source is None or target is None:
            rule = f"{imp.importer if source is None else imp.module} is in no part of LAYERS or COMPOSITION"
        elif target in COMPOSITION:
            rule = f"{source} may not import {target}: no layer imports the composition modules"
        elif RANK[target] < RANK[source]:
            rule = f"{source} may not import {target}, a part above it in LAYERS"
        elif RANK[target] == RANK[source]:
            rule = f"{source} may not import {target}, its neighbour on one line of LAYERS"
        else:
            continue
        if (source, target) in EXCEPTIONS:
            used.add((source, target))
        elif (message := f"{imp.where}: imports {imp.module} — {rule}") not in found:  # once per line
            found.append(message)
    return found, used


def import_cycles(imports: list[Import], *, runtime_only: bool = True) -> list[str]:
    """Rule 2, on the runtime graph: module-level imports of non-test code (a function's import runs late);
    with `runtime_only=False` on every import, so a cycle hidden behind an import inside a function (or for
    type checking) is found too. One shortest cycle (breadth first) through each module not yet reported."""
    edges = {}  # importer -> {imported module: where}
    for imp in imports:
        if (imp.runtime or not runtime_only) and imp.module != imp.importer and not is_test(imp.importer):
            edges.setdefault(imp.importer, {}).setdefault(imp.module, imp.where)
    found, seen = [], set()
    for start in sorted(edges):
        if start in seen:
            continue
        previous, queue = {}, [start]
        for node in queue:
            if start in edges.get(node, {}):  # back at the start: the path is the cycle
                cycle = [node]
                while cycle[-1] != start:
                    cycle.append(previous[cycle[-1]])
                cycle = [*reversed(cycle), start]
                seen.update(cycle)
                steps = [f"{a} ({edges[a][b]})" for a, b in itertools.pairwise(cycle)]
                found.append(f"import cycle: {' -> '.join([*steps, start])} — modules may not go round")
                break
            for after in sorted(set(edges.get(node, {})) - previous.keys()):
                previous[after] = node
                queue.append(after)
    return found


def private_imports(imports: list[Import]) -> list[str]:
    """Rule 3: a name with a leading underscore (not a dunder) is for its own part (redress.x) alone."""
    found = []
    for imp in imports:
        owner, user = ".".join(imp.module.split(".")[:2]), ".".join(imp.importer.split(".")[:2])
        names = [*imp.module.split("."), imp.name or ""]
        private = [n for n in names if n.startswith("_") and not (n.startswith("__") and n.endswith("__"))]
        if private and owner != user and not is_exempt(imp.importer):
            imported = f"{imp.module}.{imp.name}" if imp.name else imp.module
            rule = f"{private[0]} is private to {owner}, {user} may not import it"
            found.append(f"{imp.where}: imports {imported} — {rule}")
    return found


@functools.cache
def project_imports() -> list[Import]:
    checkout = Path(__file__).resolve().parents[3]
    sources = {}
    for path in sorted((checkout / "redress").rglob("*.py")):
        names = path.relative_to(checkout).with_suffix("").parts
        sources[".".join(names[:-1] if names[-1] == "__init__" else names)] = path.read_text("utf-8")
    return parse_imports(sources)


def _report(found: list[str]) -> str:
    return f"{len(found)} violation(s):\n" + "\n".join(found)


def test_no_import_runs_up_the_layers():
    found, _ = layer_violations(project_imports())
    assert not found, _report(found)


def test_every_exception_is_still_needed():
    _, used = layer_violations(project_imports())
    stale = [f"{key}: {reason}" for key, reason in EXCEPTIONS.items() if key not in used]
    assert not stale, "EXCEPTIONS no longer needed, remove them:\n" + "\n".join(stale)


def test_no_import_cycles():
    found = import_cycles(project_imports())
    assert not found, _report(found)


def test_no_import_cycle_is_hidden_inside_a_function():
    found = import_cycles(project_imports(), runtime_only=False)
    assert not found, _report(found)


def test_no_private_name_is_imported_from_another_part():
    found = private_imports(project_imports())
    assert not found, _report(found)


SYNTHETIC = {
    "redress.cases.models": "from redress.access.rules import can_see\n",  # up, and a cycle with rules
    "redress.cases.services": "from .models import _Secret\ndef f():\n    from ..routing import engine\n",
    "redress.cases.types": "import typing\nif typing.TYPE_CHECKING:\n    from redress.escalation import m\n",
    "redress.cases.load": "importlib.import_module('redress.web.views')\nimport_string('redress.api.main.x')",
    "redress.cases.conf": "from redress import settings\n",
    "redress.access.rules": "from redress.cases.models import _Secret\n",
    "redress.routing.engine": "import redress.cases.services\n",  # no cycle: services imports it late
    "redress.deadlines.clock": "from redress.routing import engine\n",  # same line of LAYERS
    "redress.notifications.tasks": "from redress.celery import app\n",  # an EXCEPTION
    "redress.cases.tests.test_models": "from redress.web import views\nfrom redress.access.rules import _x\n",
    "redress.web.views": "",
    "redress.settings": "",
}


def test_the_checker_reports_each_kind_of_violation():
    imports = parse_imports(SYNTHETIC)
    found, used = layer_violations(imports)
    assert [line.split(" — ")[0] for line in found] == [
        "redress/cases/models.py:1: imports redress.access.rules",
        "redress/cases/services.py:3: imports redress.routing.engine",  # in a function, relative
        "redress/cases/types.py:3: imports redress.escalation",  # type-only
        "redress/cases/load.py:1: imports redress.web.views",  # importlib
        "redress/cases/load.py:2: imports redress.api.main",  # import_string
        "redress/cases/conf.py:1: imports redress.settings",  # composition
        "redress/deadlines/clock.py:1: imports redress.routing.engine",  # neighbour on one line
    ]
    assert used == {("redress.notifications", "redress.celery")}
    assert import_cycles(imports) == [
        "import cycle: redress.access.rules (redress/access/rules.py:1) -> redress.cases.models "
        "(redress/cases/models.py:1) -> redress.access.rules — modules may not go round"
    ]
    hidden = import_cycles(imports, runtime_only=False)
    assert any("redress.cases.services" in c and "redress.routing.engine" in c for c in hidden), hidden
    assert private_imports(imports) == [
        "redress/access/rules.py:1: imports redress.cases.models._Secret — _Secret is private to "
        "redress.cases, redress.access may not import it"
    ]
