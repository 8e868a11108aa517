"""Model governance in the app: the active model is a database row, switched with its audit event."""

import hashlib
import json
import shutil

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditEvent
from marketplace.models.base import utcnow
from marketplace.models.credit_models import CreditModelVersion
from marketplace.services import audit, credit_models, unit_of_work
from scoring import ArtifactError, ModelRegistry, TamperedArtifactError, UnknownVersionError
from scoring.training import train_csv
from tests.scoring.conftest import DATA_DIR, train_small

pytestmark = pytest.mark.usefixtures("no_model")  # each test starts without an active model


@pytest.fixture(scope="session")
def small_model_dir(tmp_path_factory):
    """A registry with a small statement model (v0001), a German-credit model (v0002) and a
    second statement model (v0003, the same artifact under another version)."""
    root = tmp_path_factory.mktemp("registry-template")
    registry = ModelRegistry(root)
    registry.save(train_small(), trained_by="pytest")
    registry.save(train_csv(DATA_DIR / "german_credit.csv", "default", folds=3), trained_by="pytest")
    shutil.copytree(root / "v0001", root / "v0003")
    meta_path = root / "v0003" / "metadata.json"
    meta_path.write_text(json.dumps({**json.loads(meta_path.read_text()), "version": "v0003"}))
    return root


@pytest.fixture
def registry(small_model_dir, tmp_path):
    copy = tmp_path / "registry"
    shutil.copytree(small_model_dir, copy)
    return ModelRegistry(copy)


def promote(registry, version, actor=None):
    unit_of_work.run(db.session, lambda: credit_models.promote(db.session, registry, version, actor=actor))


def last_event():
    return db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))


def actions():
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.seq)))


def active_rows():
    return list(db.session.scalars(sa.select(CreditModelVersion.version).where(CreditModelVersion.active)))


def test_promotion_is_a_row_audited_with_the_artifact_hash(app, registry, users):
    promote(registry, "v0001", actor=users["admin"])
    event = last_event()
    sha = registry.metadata("v0001")["artifact_sha256"]
    assert (event.action, event.object_id, event.actor) == ("model.promoted", "v0001", "admin@example.com")
    assert event.payload == {"previous": None, "artifact_sha256": sha, "promoted_by": "admin@example.com"}
    row = db.session.scalar(sa.select(CreditModelVersion).where(CreditModelVersion.version == "v0001"))
    assert (row.active, row.artifact_sha256, row.promoted_by) == (True, sha, "admin@example.com")
    assert row.promoted_at is not None
    assert credit_models.active_version(db.session, registry) == "v0001"
    assert registry.active_version() is None  # the registry's file is not the platform's record
    assert audit.verify_chain(db.session).ok


def test_a_new_promotion_replaces_the_active_row_and_names_the_previous_one(app, registry):
    promote(registry, "v0003")
    promote(registry, "v0001")  # a lower id than the active row: the switch must not trip the index
    assert active_rows() == ["v0001"]
    assert last_event().payload["previous"] == "v0003"
    assert credit_models.active_model(db.session, registry).version == "v0001"


def test_a_failed_audit_write_leaves_the_active_model_unchanged(app, registry, monkeypatch):
    promote(registry, "v0001")

    def audit_store_down(*args, **kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(credit_models.audit, "record", audit_store_down)
    with pytest.raises(RuntimeError, match="audit store down"):
        promote(registry, "v0003")
    assert active_rows() == ["v0001"]
    assert credit_models.active_version(db.session, registry) == "v0001"
    assert actions() == ["model.promoted"]


def test_the_cli_reports_a_failed_promotion_and_changes_nothing(app, runner, registry, monkeypatch):
    app.config["MODEL_REGISTRY_DIR"] = str(registry.root)
    promote(registry, "v0001")
    monkeypatch.setattr(
        credit_models.audit, "record", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("audit store down"))
    )
    result = runner.invoke(args=["scoring", "promote", "v0003"])
    assert result.exit_code != 0 and "is now the active model" not in result.output
    assert active_rows() == ["v0001"]


def test_the_database_refuses_two_active_versions(app):
    def add(version, **values):
        row = {"artifact_sha256": "0" * 64, "created_at": utcnow(), "promoted_at": utcnow(), "active": True}
        db.session.execute(sa.insert(CreditModelVersion).values(version=version, **{**row, **values}))

    add("v0001")
    with pytest.raises(sa.exc.IntegrityError):
        add("v0002")
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError):  # active without a promotion time
        add("v0003", promoted_at=None)
    db.session.rollback()
    add("v0004", active=False)  # any number of inactive ones next to the active one
    add("v0005", active=False, promoted_at=None)
    add("v0006")
    db.session.commit()
    assert active_rows() == ["v0006"]


def test_a_model_of_other_columns_cannot_be_promoted(app, registry):
    with pytest.raises(ArtifactError, match="cannot score applications"):
        promote(registry, "v0002")
    assert credit_models.active_version(db.session, registry) is None and actions() == []


def test_unknown_and_tampered_versions_are_refused(app, registry):
    with pytest.raises(UnknownVersionError):
        promote(registry, "v0099")
    with (registry.root / "v0001" / "model.joblib").open("ab") as artifact:
        artifact.write(b"tampered")
    with pytest.raises(TamperedArtifactError):
        promote(registry, "v0001")
    assert credit_models.active_version(db.session, registry) is None and active_rows() == []


def test_an_artifact_replaced_with_matching_metadata_is_refused_by_its_registered_hash(app, registry):
    promote(registry, "v0001")
    model_path = registry.root / "v0001" / "model.joblib"
    with model_path.open("ab") as artifact:
        artifact.write(b"replaced")
    meta_path = registry.root / "v0001" / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta["artifact_sha256"] = hashlib.sha256(model_path.read_bytes()).hexdigest()
    meta_path.write_text(json.dumps(meta))
    registry.metadata("v0001")  # the registry alone would accept it now
    credit_models._loaded.clear()
    with pytest.raises(TamperedArtifactError, match="registered"):
        credit_models.active_model(db.session, registry)


def test_the_loaded_model_follows_the_active_row(app, registry):
    promote(registry, "v0001")
    first = credit_models.active_model(db.session, registry)
    assert credit_models.active_model(db.session, registry) is first  # loaded once
    # Another host promotes: this process sees it at its next look-up of the active row.
    db.session.execute(sa.update(CreditModelVersion).values(active=False))
    db.session.execute(
        sa.insert(CreditModelVersion).values(
            version="v0003",
            artifact_sha256=registry.metadata("v0003")["artifact_sha256"],
            created_at=sa.func.current_timestamp(),
            promoted_at=sa.func.current_timestamp(),
            active=True,
        )
    )
    db.session.commit()
    assert credit_models.active_model(db.session, registry).version == "v0003"


def test_first_run_trains_and_promotes_once(app, tmp_path, monkeypatch):
    import scoring.training

    monkeypatch.setattr(scoring.training, "train_default", lambda **_: train_small())
    registry = ModelRegistry(tmp_path / "empty")
    told = []
    version = unit_of_work.run(
        db.session,
        lambda: credit_models.ensure_active_model(
            db.session, registry, trained_by="setup", progress=told.append
        ),
    )
    assert version == "v0001" and active_rows() == ["v0001"]
    assert told[0].startswith("No credit model is active yet: training") and told[1].startswith(
        "Trained v0001"
    )
    again = credit_models.ensure_active_model(db.session, registry, trained_by="setup", progress=told.append)
    assert again == "v0001" and len(registry.versions()) == 1 and len(told) == 2  # nothing to say
    assert actions() == ["model.trained", "model.promoted"]
    assert last_event().payload["promoted_by"] == "setup"


def test_ensure_adopts_the_registry_active_file_once(app, runner, registry):
    registry.promote("v0003")  # a deployment from before the table: only the ACTIVE file says so
    app.config["MODEL_REGISTRY_DIR"] = str(registry.root)
    # The table alone decides: until the file is adopted no model is active.
    assert credit_models.active_version(db.session, registry) is None and active_rows() == []
    result = runner.invoke(args=["scoring", "ensure"])
    assert result.exit_code == 0 and result.output == "active model: v0003\n"
    assert active_rows() == ["v0003"] and len(registry.versions()) == 3  # nothing was trained
    assert last_event().payload["adopted_from"] == "registry ACTIVE file"
    assert runner.invoke(args=["scoring", "ensure"]).output == "active model: v0003\n"
    assert actions() == ["model.promoted"]
    promote(registry, "v0001")  # from now on the table alone decides
    assert registry.active_version() == "v0003"
    assert credit_models.active_version(db.session, registry) == "v0001"
    assert credit_models.ensure_active_model(db.session, registry, trained_by="x") == "v0001"


def test_ensure_refuses_to_adopt_an_unusable_active_file(app, runner, registry):
    (registry.root / "ACTIVE").write_text("v0002\n")  # the German-credit model
    app.config["MODEL_REGISTRY_DIR"] = str(registry.root)
    result = runner.invoke(args=["scoring", "ensure"])
    assert result.exit_code == 2 and "cannot score applications" in result.output
    assert active_rows() == [] and actions() == []


def test_cli_promote_and_list(app, runner, registry):
    app.config["MODEL_REGISTRY_DIR"] = str(registry.root)
    ok = runner.invoke(args=["scoring", "promote", "v0001"])
    assert ok.exit_code == 0 and "v0001 is now the active model" in ok.output
    listing = runner.invoke(args=["scoring", "list"])
    assert "* v0001" in listing.output and "  v0002" in listing.output and "  v0003" in listing.output
    refused = runner.invoke(args=["scoring", "promote", "v0002"])
    assert refused.exit_code == 2 and "cannot score applications" in refused.output
    missing = runner.invoke(args=["scoring", "promote", "nope"])
    assert missing.exit_code == 2 and "no model version" in missing.output
    assert active_rows() == ["v0001"] and actions() == ["model.promoted"]


def test_cli_train_on_a_csv_is_audited(app, runner, tmp_path):
    app.config["MODEL_REGISTRY_DIR"] = str(tmp_path / "reg")
    result = runner.invoke(
        args=[
            "scoring",
            "train",
            "--data",
            str(DATA_DIR / "german_credit.csv"),
            "--target",
            "default",
            "--folds",
            "3",
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("saved v0001: ROC AUC 0.")
    assert last_event().action == "model.trained"
    row = db.session.scalar(sa.select(CreditModelVersion))
    assert (row.version, row.active, row.promoted_at) == ("v0001", False, None)


def test_cli_train_bad_input_changes_nothing(app, runner, tmp_path):
    app.config["MODEL_REGISTRY_DIR"] = str(tmp_path / "reg")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    result = runner.invoke(args=["scoring", "train", "--data", str(bad), "--target", "default"])
    assert result.exit_code == 2 and "error:" in result.output
    assert not (tmp_path / "reg").exists() or not list((tmp_path / "reg").glob("v*"))
    assert runner.invoke(args=["scoring", "train", "--data", str(bad)]).exit_code == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CreditModelVersion)) == 0
