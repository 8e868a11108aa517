"""The house reads in one direction: web and API -> services -> models / payments / rules / scoring.

Each low layer must import in a fresh interpreter with Flask and the ML stack blocked, and no module
may import from a layer above its own (checked on the source, so a lazy import counts too).
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "marketplace"
BLOCKED = (
    "flask",
    "flask_babel",
    "flask_login",
    "flask_migrate",
    "flask_limiter",
    "flask_smorest",
    "flask_sqlalchemy",
    "flask_wtf",
    "werkzeug",
    "wtforms",
    "sklearn",
    "pandas",
)
# Lower layers first; a module may import only from its own layer or one listed before it.
LAYERS = (
    ("domain", ("marketplace.domain_errors", "marketplace.rules", "marketplace.money")),
    (
        "persistence",
        ("marketplace.models", "marketplace.database", "marketplace.payments", "marketplace.pagination"),
    ),
    ("services", ("marketplace.services",)),
)
WEB = (
    "marketplace.app",
    "marketplace.api",
    "marketplace.web",
    "marketplace.extensions",
    "marketplace.gateways",
    "marketplace.cli",
    "marketplace.errors",
)


def _modules(prefix: str) -> list[str]:
    path = ROOT / Path(*prefix.split("."))
    files = [path.with_suffix(".py")] if path.with_suffix(".py").exists() else sorted(path.rglob("*.py"))
    return [".".join(f.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for f in files]


LOW_MODULES = [module for _, prefixes in LAYERS for prefix in prefixes for module in _modules(prefix)]

BLOCKER = f"""
import sys
class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ImportError("blocked in a low layer: " + name)
sys.meta_path.insert(0, Blocked())
"""


def test_every_low_layer_imports_without_flask_or_the_ml_stack():
    imports = "\n".join(f"import {module}" for module in LOW_MODULES)
    result = subprocess.run(
        [sys.executable, "-c", BLOCKER + imports],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_package_import_builds_no_app():
    script = "import marketplace, sys; print('flask' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False"


def _imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _layer_of(module: str) -> int | None:
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    if any(module == p or module.startswith(p + ".") for p in WEB):
        return len(LAYERS)
    return None


@pytest.mark.parametrize("module", LOW_MODULES)
def test_no_low_module_imports_a_layer_above_its_own(module):
    path = ROOT / Path(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    own = _layer_of(module)
    above = sorted(
        name for name in _imported_names(path) if (layer := _layer_of(name)) is not None and layer > own
    )
    assert not above, f"{module} imports from a higher layer: {above}"


def test_scoring_never_imports_the_marketplace():
    for path in (ROOT / "scoring").rglob("*.py"):
        names = _imported_names(path)
        assert not {n for n in names if n.split(".")[0] in ("marketplace", "flask", "sqlalchemy")}, path
