"""Model governance in the app: promotion audited, refused when unsafe, first-run training."""

import shutil

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditEvent
from marketplace.services import audit, credit_models
from scoring import ArtifactError, ModelRegistry, TamperedArtifactError, UnknownVersionError
from scoring.training import train_csv
from tests.scoring.conftest import DATA_DIR, train_small


@pytest.fixture(scope="session")
def small_model_dir(tmp_path_factory):
    """A registry holding one small statement model (v0001) and a German-credit model (v0002)."""
    root = tmp_path_factory.mktemp("registry-template")
    registry = ModelRegistry(root)
    registry.save(train_small(), trained_by="pytest")
    registry.save(train_csv(DATA_DIR / "german_credit.csv", "default", folds=3), trained_by="pytest")
    return root


@pytest.fixture
def registry(small_model_dir, tmp_path):
    copy = tmp_path / "registry"
    shutil.copytree(small_model_dir, copy)
    return ModelRegistry(copy)


def last_event():
    return db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))


def test_promotion_is_audited_with_the_artifact_hash(app, registry, users):
    credit_models.promote(db.session, registry, "v0001", actor=users["admin"])
    db.session.commit()
    event = last_event()
    assert (event.action, event.object_id, event.actor) == ("model.promoted", "v0001", "admin@example.com")
    assert event.payload == {"previous": None,
                             "artifact_sha256": registry.metadata("v0001")["artifact_sha256"]}
    assert registry.active_version() == "v0001"
    assert audit.verify_chain(db.session).ok


def test_a_model_of_other_columns_cannot_be_promoted(app, registry):
    with pytest.raises(ArtifactError, match="cannot score applications"):
        credit_models.promote(db.session, registry, "v0002", actor=None)
    assert registry.active_version() is None


def test_unknown_and_tampered_versions_are_refused(app, registry):
    with pytest.raises(UnknownVersionError):
        credit_models.promote(db.session, registry, "v0099", actor=None)
    with (registry.root / "v0001" / "model.joblib").open("ab") as artifact:
        artifact.write(b"tampered")
    with pytest.raises(TamperedArtifactError):
        credit_models.promote(db.session, registry, "v0001", actor=None)
    assert registry.active_version() is None


def test_first_run_trains_and_promotes_once(app, tmp_path, monkeypatch):
    monkeypatch.setattr(credit_models, "train_default", lambda **_: train_small())
    registry = ModelRegistry(tmp_path / "empty")
    version = credit_models.ensure_active_model(db.session, registry, trained_by="setup")
    db.session.commit()
    assert version == "v0001" and registry.active_version() == "v0001"
    again = credit_models.ensure_active_model(db.session, registry, trained_by="setup")
    assert again == "v0001" and len(registry.versions()) == 1
    actions = list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions == ["model.trained", "model.promoted"]


def test_cli_promote_and_list(app, runner, registry):
    app.config["MODEL_REGISTRY_DIR"] = str(registry.root)
    ok = runner.invoke(args=["scoring", "promote", "v0001"])
    assert ok.exit_code == 0 and "v0001 is now the active model" in ok.output
    listing = runner.invoke(args=["scoring", "list"])
    assert "* v0001" in listing.output and "  v0002" in listing.output
    refused = runner.invoke(args=["scoring", "promote", "v0002"])
    assert refused.exit_code == 2 and "cannot score applications" in refused.output
    missing = runner.invoke(args=["scoring", "promote", "nope"])
    assert missing.exit_code == 2 and "no model version" in missing.output
    assert registry.active_version() == "v0001"


def test_cli_train_on_a_csv_is_audited(app, runner, tmp_path):
    app.config["MODEL_REGISTRY_DIR"] = str(tmp_path / "reg")
    result = runner.invoke(args=["scoring", "train", "--data", str(DATA_DIR / "german_credit.csv"),
                                 "--target", "default", "--folds", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("saved v0001: ROC AUC 0.")
    assert last_event().action == "model.trained"


def test_cli_train_bad_input_changes_nothing(app, runner, tmp_path):
    app.config["MODEL_REGISTRY_DIR"] = str(tmp_path / "reg")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    result = runner.invoke(args=["scoring", "train", "--data", str(bad), "--target", "default"])
    assert result.exit_code == 2 and "error:" in result.output
    assert not (tmp_path / "reg").exists() or not list((tmp_path / "reg").glob("v*"))
    assert runner.invoke(args=["scoring", "train", "--data", str(bad)]).exit_code == 2
