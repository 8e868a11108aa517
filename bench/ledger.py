"""Ledger throughput: wallet-to-wallet transfers per second from 10 threads.

Two workloads per database: transfers spread over 50 accounts, and transfers among 5 hot
accounts (every posting contends for the same few row locks). The baseline, measured in the
same run with the same threads and connection pool, is the database's plain commit rate: one
single-row INSERT and its COMMIT per unit of work; each workload is printed as a ratio of it.
SQLite always; PostgreSQL when BENCH_DATABASE_URL (a server URL; the benchmark creates and drops
its own database) or the default local server (postgresql://postgres@127.0.0.1:5432) answers.

    python -m bench ledger [--seconds S] [--threads N]
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

THREADS = 10
SPREAD_ACCOUNTS = 50
HOT_ACCOUNTS = 5
OPENING_BALANCE = 10_000_000_00  # fen per wallet: no transfer ever runs short
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _app(database_uri: str):
    from flask_migrate import upgrade

    from marketplace.app import create_app

    app = create_app(
        {
            "MARKETPLACE_ENV": "testing",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "SECRET_KEY": "bench-secret-key-long-enough-0123456789abcdef",
            "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_uri),
        }
    )
    with app.app_context():
        upgrade()
    return app


def _engine_options(database_uri: str) -> dict:
    from marketplace.database import engine_options

    options = engine_options(database_uri)
    if not database_uri.startswith("sqlite"):
        options.update(pool_size=THREADS + 2, max_overflow=0)
    return options


def _open_wallets(app, count: int, tag: str) -> list[int]:
    from marketplace.extensions import db
    from marketplace.services import ledger

    with app.app_context():
        clearing = ledger.platform_account(db.session, "gateway_clearing")
        wallets = []
        for number in range(count):
            wallet = ledger.account_id(db.session, ("user", 10_000 + number), "wallet")
            ledger.transfer(
                db.session,
                source=clearing,
                destination=wallet,
                amount=OPENING_BALANCE,
                kind="deposit",
                idempotency_key=f"bench-open-{tag}-{number}",
            )
            wallets.append(wallet)
        db.session.commit()
        return wallets


def _run(app, unit_of_work, seconds: float, threads: int) -> tuple[int, float]:
    """Units of work done by `threads` threads in `seconds`; returns (count, elapsed)."""
    from marketplace.extensions import db

    stop = time.monotonic() + seconds
    counts = [0] * threads
    errors: list[BaseException] = []
    start_barrier = threading.Barrier(threads)

    def worker(index: int) -> None:
        rng = random.Random(index)  # noqa: S311 - workload shuffle
        with app.app_context():
            start_barrier.wait()
            try:
                while time.monotonic() < stop:
                    unit_of_work(rng)
                    counts[index] += 1
            except BaseException as error:  # reported below; a benchmark must not hide failures
                errors.append(error)
            finally:
                db.session.remove()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    began = time.monotonic()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - began
    if errors:
        raise RuntimeError(f"{len(errors)} worker(s) failed; first: {errors[0]!r}")
    return sum(counts), elapsed


def _transfer(wallets: list[int]):
    """A unit of work: one wallet-to-wallet transfer between two of `wallets`, committed."""
    from marketplace.extensions import db
    from marketplace.services import ledger
    from marketplace.services.unit_of_work import run

    def unit_of_work(rng: random.Random) -> None:
        source, destination = rng.sample(wallets, 2)
        amount, key = rng.randint(1, 10_000), f"bench-{uuid.uuid4().hex}"
        run(
            db.session,
            lambda: ledger.transfer(
                db.session,
                source=source,
                destination=destination,
                amount=amount,
                kind="transfer",
                idempotency_key=key,
            ),
        )

    return unit_of_work


def _plain_commit(app):
    """The baseline unit of work: one single-row INSERT into a scratch table, committed."""
    import sqlalchemy as sa

    from marketplace.extensions import db

    with app.app_context():
        db.session.execute(sa.text("CREATE TABLE bench_commits (id INTEGER PRIMARY KEY, n INTEGER)"))
        db.session.commit()
    insert = sa.text("INSERT INTO bench_commits (id, n) VALUES (:id, :n)")
    ids = itertools.count(1)  # next() on a count is atomic under the interpreter lock

    def unit_of_work(rng: random.Random) -> None:
        db.session.execute(insert, {"id": next(ids), "n": rng.randint(1, 10_000)})
        db.session.commit()

    return unit_of_work


def _check(app) -> str:
    from marketplace.extensions import db
    from marketplace.services.ledger_check import check

    with app.app_context():
        report = check(db.session)
        db.session.remove()
    return "consistent" if report.ok else f"INCONSISTENT: {report.problems[:3]}"


def bench_database(label: str, database_uri: str, seconds: float, threads: int) -> dict:
    """The baseline and both workloads on one database; prints and returns the figures."""
    app = _app(database_uri)
    spread = _open_wallets(app, SPREAD_ACCOUNTS, "spread")
    hot = _open_wallets(app, HOT_ACCOUNTS, "hot")
    figures = {}
    workloads = (
        ("commit", "plain INSERT + COMMIT", _plain_commit(app)),
        ("spread", f"{len(spread)} accounts", _transfer(spread)),
        ("hot", f"{len(hot)} accounts", _transfer(hot)),
    )
    for name, what, unit_of_work in workloads:
        count, elapsed = _run(app, unit_of_work, seconds, threads)
        figures[name] = count / elapsed
        ratio = "" if name == "commit" else f"  ({figures[name] / figures['commit']:.2f} of plain commits)"
        print(
            f"  {label:<10} {name:<6} {what:<22} {count:>6} in {elapsed:5.2f} s = "
            f"{figures[name]:8.1f}/s{ratio}",
            flush=True,
        )
    ratio = figures["hot"] / figures["spread"]
    print(f"  {label:<10} hot/spread ratio {ratio:.2f}; ledger check: {_check(app)}", flush=True)
    from marketplace.extensions import db

    with app.app_context():
        db.engine.dispose()
    return {**figures, "ratio": ratio}


def _postgres_server() -> str | None:
    import sqlalchemy as sa

    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_PG
    from marketplace.config import normalise_database_url

    url = normalise_database_url(url)
    try:
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        print(f"  postgresql skipped: {url.split('@')[-1]} not reachable ({type(error).__name__})")
        return None
    return url


def _with_postgres(server_url: str, body) -> None:
    import sqlalchemy as sa

    name = f"bench_ledger_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        body(sa.make_url(server_url).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main(argv: list[str]) -> int:
    """Print transfers/s for both workloads on SQLite and (if reachable) PostgreSQL."""
    parser = argparse.ArgumentParser(prog="python -m bench ledger")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each workload")
    parser.add_argument("--threads", type=int, default=THREADS)
    args = parser.parse_args(argv)
    print(
        f"ledger transfers: {args.threads} threads, {SPREAD_ACCOUNTS} vs {HOT_ACCOUNTS} accounts, "
        f"{args.seconds:g} s each; machine has {os.cpu_count()} cores",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as folder:
        bench_database("sqlite", f"sqlite:///{Path(folder) / 'bench.sqlite3'}", args.seconds, args.threads)
    server = _postgres_server()
    if server:
        _with_postgres(server, lambda url: bench_database("postgresql", url, args.seconds, args.threads))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
