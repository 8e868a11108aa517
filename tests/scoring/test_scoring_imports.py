"""What importing costs: the web app loads no scikit-learn, and scoring no Flask.

Each check runs in a fresh interpreter, since this test process has imported everything.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import scoring

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sklearn", "pandas", "numpy", "scipy", "joblib")


def modules_loaded_after(code: str) -> set[str]:
    """Top-level names of the modules a fresh interpreter holds after running `code`."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_ledger_service_loads_no_scoring_libraries():
    loaded = modules_loaded_after("import marketplace.services.ledger")
    assert not loaded & set(HEAVY)


def test_creating_the_app_loads_no_scoring_libraries():
    loaded = modules_loaded_after(
        "from marketplace.app import create_app\n"
        "create_app({'TESTING': True, 'SECRET_KEY': 'x' * 32,\n"
        "            'SQLALCHEMY_DATABASE_URI': 'sqlite:///:memory:'})"
    )
    assert "flask" in loaded and not loaded & set(HEAVY)


def test_the_light_scoring_modules_load_no_third_party_library():
    loaded = modules_loaded_after(
        "import scoring, scoring.statements, scoring.errors, scoring.artifacts, scoring.charts\n"
        "from scoring import ArtifactError, STATEMENT_FIELDS, key_ratios, STATEMENT_BUILDER"
    )
    assert not loaded & {*HEAVY, "flask", "sqlalchemy"}


def test_scoring_trains_and_loads_without_flask_sqlalchemy_or_the_marketplace():
    loaded = modules_loaded_after("import scoring, scoring.cli\nfrom scoring import *  # noqa")
    assert "sklearn" in loaded
    assert not loaded & {"flask", "sqlalchemy", "marketplace"}


def test_every_public_name_resolves_lazily_to_its_module():
    assert sorted(scoring.__all__) == sorted(scoring._EXPORTS)
    for name, module in scoring._EXPORTS.items():
        value = getattr(scoring, name)
        assert value is getattr(sys.modules[f"scoring.{module}"], name)
    assert set(scoring.__all__) <= set(dir(scoring))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        scoring.nope  # noqa: B018


def test_names_that_moved_are_still_importable_from_their_old_modules():
    from scoring import artifacts, errors
    from scoring.dataset import DataError
    from scoring.registry import ArtifactError, TamperedArtifactError
    from scoring.training import STATEMENT_BUILDER, TrainedModel, library_versions

    assert (DataError, ArtifactError, TamperedArtifactError) == (
        errors.DataError,
        errors.ArtifactError,
        errors.TamperedArtifactError,
    )
    assert (STATEMENT_BUILDER, TrainedModel, library_versions) == (
        artifacts.STATEMENT_BUILDER,
        artifacts.TrainedModel,
        artifacts.library_versions,
    )


def _scoring_imports() -> dict[str, set[str]]:
    """scoring module -> the scoring modules it imports (type-checking imports included)."""
    package = ROOT / "scoring"
    graph: dict[str, set[str]] = {}
    for path in package.glob("*.py"):
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                targets.add(node.module.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("scoring."):
                targets.add(node.module.split(".")[1])
        graph[path.stem] = targets - {path.stem}
    return graph


def test_scoring_modules_import_each_other_one_way_only():
    graph = _scoring_imports()
    graph.pop("__init__")  # the package names every module; none imports it back
    assert "training" not in graph["registry"]

    def visit(module: str, path: tuple[str, ...]) -> None:
        for target in graph.get(module, ()):
            assert target not in path, f"import cycle: {' -> '.join((*path, target))}"
            visit(target, (*path, target))

    for module in graph:
        visit(module, (module,))
