"""The production install carries its compiled zh-Hans catalogues: the wheel built from a tree without any .mo
(as a clean checkout is: they are build output, not in git) is installed in a fresh virtualenv, and the
installed package, not this checkout, migrates, passes its checks and serves its login page in Chinese."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
CATALOGUE = "redress/locale/zh_Hans/LC_MESSAGES/django.mo"

# Run by the fresh virtualenv's Python: where redress comes from, whether its files list the catalogue, the
# login page as one without a language cookie sees it (the bank's language) and as one who chose English.
PROBE = """
import importlib.metadata, json, django
django.setup()
import redress
from django.test import Client
installed = [str(f) for f in importlib.metadata.files("redress") if str(f).endswith(".mo")]
chinese = Client().get("/login/").content.decode()
client = Client()
client.cookies["django_language"] = "en"
english = client.get("/login/").content.decode()
api = Client().get("/api/v1/cases", headers={"Accept-Language": "zh-hans"}).json()
print(json.dumps({"module": redress.__file__, "installed": installed, "chinese": chinese, "english": english,
                  "api": api}))
"""


def runner(where: Path, data: Path):
    """Runs commands outside the checkout (`python -c` puts its working directory first on sys.path) and
    without this test run's Redress settings (its PYTHONPATH, database, REDRESS_*): the install's own."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("REDRESS_")
        and name not in {"PYTHONPATH", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    # A key of its own: outside the demo the settings refuse to start without one.
    env |= {
        "REDRESS_DATA_DIR": str(data),
        "REDRESS_ALLOWED_HOSTS": "testserver",
        "REDRESS_SECRET_KEY": "packaging-test-key",
        "REDRESS_FIELD_KEYS": "p1:cGFja2FnaW5nLXRlc3QtZmllbGQta2V5LTAwMDAwMDE",
        "REDRESS_FIELD_INDEX_KEY": "cGFja2FnaW5nLXRlc3QtYmxpbmQtaW5kZXgta2V5MDE",
    }

    def run(*command: str | Path, **extra: str) -> str:
        result = subprocess.run(
            [str(part) for part in command],
            cwd=where,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result.stdout

    return run


@pytest.mark.packaging
def test_the_wheel_installed_in_a_fresh_virtualenv_serves_its_pages_in_chinese(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("builds and runs its own install on SQLite: once, on the SQLite pass, is enough")
    run = runner(tmp_path, tmp_path / "data")

    # The sources as a clean checkout has them: no compiled catalogue, whatever `make messages` left here.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "redress", source / "redress", ignore=shutil.ignore_patterns("*.mo", "__pycache__", "vendor")
    )
    assert not list(source.rglob("*.mo"))
    # And npm's install of the front-end libraries (`npm ci`, run by `make install`), which the build copies.
    (source / "node_modules").mkdir()
    (source / "node_modules" / "echarts").symlink_to(ROOT / "node_modules" / "echarts")

    dist = tmp_path / "dist"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", dist, source)
    [wheel] = dist.glob("redress-*.whl")
    assert CATALOGUE in zipfile.ZipFile(wheel).namelist()
    assert "redress/web/static/web/vendor/echarts.min.js" in zipfile.ZipFile(wheel).namelist()

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--quiet", wheel)
    # Redress's dependencies are not downloaded again: this environment's site-packages is put after the
    # fresh one's own. Only its plain modules become importable that way (a .pth file there, such as an
    # editable install of Redress, is not run), so `redress` can only be the installed wheel.
    site_packages = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    (Path(site_packages) / "zz_redress_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    run(venv / "bin" / "redress", "migrate", "--noinput")
    assert "no issues" in run(venv / "bin" / "redress", "check")
    seen = json.loads(run(python, "-c", PROBE, DJANGO_SETTINGS_MODULE="redress.settings").splitlines()[-1])

    assert seen["module"].startswith(site_packages)
    assert seen["installed"] == [CATALOGUE]
    assert "<h1>登录</h1>" in seen["chinese"]
    assert "投诉、建议、信访、举报、咨询：登记、查询、跟踪办理，一处完成。" in seen["chinese"]
    assert "<h1>Log in</h1>" in seen["english"]
    assert seen["api"]["detail"] == "请发送有效的令牌：Authorization: Bearer <token>。"
