"""The wheel built from pyproject.toml carries the data its packages read, and runs installed alone.

The wheel holds the `marketplace` and `scoring` packages with their package data (the common
password list, the compiled translations, the shipped scoring data); `templates/`, `static/`
and `migrations/` stay in the source tree, from which the app is deployed (README, "Running in
production"), so the migrations are run from the checkout here too.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DATA = [
    "marketplace/data/common-passwords.txt",
    "scoring/data/polish_bankruptcy_5year.csv",
    "scoring/data/README.md",
]
CHECK_INSTALLED = """
import sys
from pathlib import Path
import marketplace, scoring
from marketplace.services.passwords import common_passwords
from scoring.dataset import load_default_dataset
target = Path(sys.argv[1])
for module in (marketplace, scoring):
    assert Path(module.__file__).is_relative_to(target), module.__file__
assert "password1234" in common_passwords()
print(len(load_default_dataset().y))
"""


def run(args, *, cwd, env, timeout=180) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def build_wheel(tmp_path: Path, env: dict) -> Path:
    # From a copy of what the wheel is built from: building in place would leave build/ and
    # *.egg-info/ in the working tree.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in ("marketplace", "scoring"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        cwd=tmp_path,
        env=env,
    )
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    return wheel


@pytest.mark.slow
def test_an_installed_wheel_has_its_data_migrates_and_ensures_a_model(tmp_path, model_registry_dir):
    dependencies = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_CACHE_DIR": "1",
    }
    wheel = build_wheel(tmp_path, env)

    names = set(zipfile.ZipFile(wheel).namelist())
    compiled = [str(p.relative_to(ROOT)) for p in (ROOT / "marketplace/translations").rglob("*.mo")]
    assert [name for name in PACKAGE_DATA + compiled if name not in names] == []
    assert not any(name.startswith(("templates/", "migrations/", "tests/")) for name in names)

    target = tmp_path / "site"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(wheel),
        ],
        cwd=tmp_path,
        env=env,
    )
    workdir = tmp_path / "work"
    workdir.mkdir()
    registry = shutil.copytree(model_registry_dir, tmp_path / "models")  # a promoted small model
    env |= {
        "PYTHONPATH": os.pathsep.join([str(target), *dependencies]),
        "FLASK_APP": "marketplace.app:create_app",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'marketplace.sqlite3'}",
        "MODEL_REGISTRY_DIR": str(registry),
    }
    rows = run([sys.executable, "-c", CHECK_INSTALLED, str(target)], cwd=workdir, env=env)
    assert int(rows) > 5000  # the shipped training data, read from the installed package
    run(
        [sys.executable, "-m", "flask", "db", "upgrade", "--directory", str(ROOT / "migrations")],
        cwd=workdir,
        env=env,
    )
    output = run([sys.executable, "-m", "flask", "scoring", "ensure"], cwd=workdir, env=env)
    assert output.strip().splitlines()[-1].startswith("active model: v")  # after its progress lines
