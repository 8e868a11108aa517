"""Engine set-up per database: SQLite serialises writers, PostgreSQL retries conflicts."""

from __future__ import annotations

import sqlalchemy as sa


def configure_sqlite(engine: sa.Engine) -> None:
    """Make SQLite safe for concurrent writers: foreign keys on, BEGIN IMMEDIATE, WAL, waits.

    pysqlite's own transaction handling begins lazily, which lets two writers read the same
    balance before either writes; BEGIN IMMEDIATE takes the write lock at the start instead.
    """

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def engine_options(database_uri: str) -> dict:
    """SQLAlchemy engine options suitable for the database behind this URI."""
    if database_uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


def append_only_ddl(dialect: str, table: str) -> list[str]:
    """DDL making `table` append-only: UPDATE and DELETE raise (TRUNCATE is left to operators)."""
    name = f"{table}_append_only"
    if dialect == "postgresql":
        return [
            f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{table} is append-only'; END; $$ LANGUAGE plpgsql""",
            f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {name}_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
            f"CREATE TRIGGER {name}_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
        ]
    return []


def drop_append_only_ddl(dialect: str, table: str) -> list[str]:
    """DDL undoing append_only_ddl()."""
    name = f"{table}_append_only"
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION IF EXISTS {name}()"]
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}_update", f"DROP TRIGGER IF EXISTS {name}_delete"]
    return []
