"""The build steps pyproject.toml cannot declare: the compiled message catalogues and the front-end libraries.

The .po files are committed; their .mo files are build output (not in git). A wheel built from a clean tree
(`pip install .`, `pip wheel .`) compiles them here with Babel, a build requirement, so the production install
serves its pages in zh-Hans. A development tree compiles them with `make messages` (an editable install reads
the source tree, so there is nothing to build for it here).

The dashboards' Apache ECharts comes from npm (package.json, package-lock.json: `npm ci`, which `make install`
runs); a wheel copies it from node_modules into its static files, and refuses to build without it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

VENDOR_DIR = Path("redress/web/static/web/vendor")
VENDORED = [
    (Path("node_modules/echarts/dist/echarts.min.js"), "echarts.min.js"),
    (Path("node_modules/echarts/LICENSE"), "echarts.LICENSE"),
]


class BuildPyWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        if not self.editable_mode:
            self._compiled = [self._compile(po) for po in sorted(Path("redress/locale").rglob("*.po"))]
            self._compiled += self._vendor()

    def _vendor(self) -> list[str]:
        copied = []
        for source, name in VENDORED:
            if not source.exists():
                raise SystemExit(f"{source} is missing: run `npm ci` (or `make install`) before building")
            target = Path(self.build_lib) / VENDOR_DIR / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            copied.append(str(target))
        return copied

    def _compile(self, po: Path) -> str:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        target = Path(self.build_lib) / po.with_suffix(".mo")
        target.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as source:
            catalogue = read_po(source)
        # As `pybabel compile` does: fuzzy entries are left out.
        with target.open("wb") as out:
            write_mo(out, catalogue, use_fuzzy=False)
        return str(target)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), *getattr(self, "_compiled", [])]


setup(cmdclass={"build_py": BuildPyWithCatalogues})
