"""Web throughput: the app under gunicorn against a bare Flask hello-world under the same settings.

Creates a PostgreSQL database of its own (dropped at the end), migrates it, makes sure a credit
model is active (`flask scoring ensure`; the first run trains it, tens of seconds, into a
temporary registry unless --model-dir names one to keep), and seeds loan applications through
the services: SMEs with a profile and three years' statements, each submitting several small
applications (an enterprise may have at most ¥1,000,000 open) with the documents the checklist
requires, all scored and in review, plus one account per role. Both apps then run under
`gunicorn -w 4 --timeout 300` (sync workers) on 127.0.0.1, and two client processes hold
--concurrency HTTP/1.1 connections between them for --duration seconds per endpoint (sync workers
close a connection after each response, so every request connects anew, for both apps alike):
the home page, the fund manager's review queue page
(signed in through the HTML form), the review queue API and /api/v1/me (bearer token).
Hello-world is measured before and after, and each endpoint is printed as a fraction of the mean
of the two. Also printed: each worker's resident memory after the load, and the time to import
marketplace.app and call create_app() in a fresh process.

    python -m bench web [--duration S] [--concurrency N] [--applications N] [--quick]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from datetime import date
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
WORKERS = 4
# Gunicorn kills a sync worker busy for longer than its timeout (30 s by default); a slow page is
# to be measured, not killed, so both servers get a longer one.
WORKER_TIMEOUT = 300
PASSWORD = "Bench-Password-2026"  # noqa: S105 - throwaway accounts in a throwaway database
ROLE_ACCOUNTS = ("investor", "fund_manager", "regulator", "admin")  # SMEs are the applicants
PER_ENTERPRISE = 10  # ¥10,000-¥90,000 each: ten stay under the ¥1,000,000 per-enterprise cap
REQUEST_TIMEOUT = 600.0  # seconds; a request slower than this counts as an error
MAX_REQUESTS = 200_000  # per connection and endpoint: a bound besides the duration
TARGETS = {"queue page": 0.20, "me API": 0.50}  # fraction of hello-world's requests/s
HELLO_APP = """from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
"""
IMPORT_PROBE = """import json, time
t0 = time.perf_counter()
{imports}
t1 = time.perf_counter()
{build}
t2 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1]))
"""


# --- the load client (runs in its own processes) ---------------------------------------------


def _client_process(
    port: int, path: str, headers: dict, threads: int, duration: float, barrier, results
) -> None:
    """Drive GET `path` from `threads` threads for `duration` seconds; put the figures on `results`."""
    latencies: list[float] = []
    counts = {"errors": 0, "bytes": 0, "first_error": ""}
    lock = threading.Lock()
    barrier.wait(timeout=60)
    stop = time.monotonic() + duration

    def worker() -> None:
        mine, errors, size, first_error = [], 0, 0, ""
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        while time.monotonic() < stop and len(mine) + errors < MAX_REQUESTS:
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                errors, first_error = errors + 1, first_error or repr(error)
                connection.close()
                continue
            if response.status != 200:
                errors, first_error = errors + 1, first_error or f"HTTP {response.status}"
                continue
            mine.append(time.perf_counter() - began)
            size += len(body)
        connection.close()
        with lock:
            latencies.extend(mine)
            counts["errors"] += errors
            counts["bytes"] += size
            counts["first_error"] = counts["first_error"] or first_error

    began = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    results.put({"latencies": latencies, "elapsed": time.monotonic() - began, **counts})


def load(port: int, path: str, headers: dict, *, concurrency: int, processes: int, duration: float) -> dict:
    """Requests/s, p95 latency, errors and bytes/response of GET `path` from client processes."""
    context = multiprocessing.get_context("spawn")
    processes = max(1, min(processes, concurrency))
    barrier, results = context.Barrier(processes), context.Queue()
    shares = [concurrency // processes + (i < concurrency % processes) for i in range(processes)]
    clients = [
        context.Process(
            target=_client_process, daemon=True, args=(port, path, headers, share, duration, barrier, results)
        )
        for share in shares
    ]
    for client in clients:
        client.start()
    try:
        parts = [results.get(timeout=duration + REQUEST_TIMEOUT + 60) for _ in clients]
    except BaseException:
        for client in clients:
            client.kill()
        raise
    finally:
        for client in clients:
            client.join(timeout=5)
            if client.is_alive():
                client.kill()
    latencies = sorted(x for part in parts for x in part["latencies"])
    count, elapsed = len(latencies), max(part["elapsed"] for part in parts)
    return {
        "count": count,
        "elapsed": elapsed,
        "rate": count / elapsed,
        "p95": latencies[max(0, -(-95 * count // 100) - 1)] if latencies else float("nan"),
        "errors": sum(part["errors"] for part in parts),
        "first_error": next((part["first_error"] for part in parts if part["first_error"]), ""),
        "bytes": sum(part["bytes"] for part in parts) / count if count else 0,
    }


# --- the database, the model and the seed data -----------------------------------------------


def _server_url(explicit: str | None) -> str | None:
    """The PostgreSQL server URL, or None (with a message) when the default one is not there."""
    import sqlalchemy as sa

    from marketplace.config import normalise_database_url

    url = normalise_database_url(explicit or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_PG)
    if sa.make_url(url).host not in (None, "127.0.0.1", "localhost", "::1"):
        raise SystemExit("bench web talks to a local PostgreSQL only (127.0.0.1)")
    try:
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        if explicit:
            raise
        print(f"  skipped: PostgreSQL at {url.split('@')[-1]} not reachable ({type(error).__name__})")
        return None
    return url


def _database(server_url: str, name: str, *, create: bool) -> str:
    import sqlalchemy as sa

    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if create:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        else:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    return sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _cli(app, *args: str) -> str:
    """Run a `flask` command of the app in-process; raise with its output when it fails."""
    result = app.test_cli_runner().invoke(args=list(args))
    if result.exit_code != 0:
        raise RuntimeError(
            f"flask {' '.join(args)} failed ({result.exit_code}): {result.output}{result.exception!r}"
        )
    return result.output.strip()


def _uscc(number: int) -> str:
    from marketplace.rules.uscc import check_character

    first17 = f"91210100B{number:08d}"
    return first17 + check_character(first17)


def seed(app, applications: int) -> dict:
    """SMEs with profiles, statements and submitted (scored, in review) applications with their
    required documents; one user per role."""
    import sqlalchemy as sa

    from marketplace.cli.demo import DEMO_DOCUMENTS, DEMO_ENTERPRISE, DEMO_STATEMENTS, demo_pdf
    from marketplace.credit import application_assessor
    from marketplace.extensions import db
    from marketplace.models import LoanApplication
    from marketplace.rules.catalogue import CATEGORIES, REPAYMENT_METHODS
    from marketplace.rules.documents import required_codes
    from marketplace.services import applications as apps
    from marketplace.services import documents, enterprises, statements, users
    from marketplace.services.unit_of_work import run

    today = date.today()
    orders = ((0, 1, 2), (1, 0, 2), (0, 2, 1), (2, 1, 0), (1, 2, 0), (2, 0, 1))  # varied scores
    with app.app_context():
        hasher, assess = app.extensions["password_hasher"], application_assessor()
        # Each application carries the documents the checklist requires before submission.
        required = required_codes(app.config["DOCUMENT_CHECKLIST_REQUIRED"])
        folder = Path(app.config["UPLOAD_FOLDER"])
        files = {kind: (DEMO_DOCUMENTS[kind][0], demo_pdf(DEMO_DOCUMENTS[kind][1])) for kind in required}

        def new_user(role: str, email: str, name: str):
            return users.create_user(
                db.session, hasher, actor=None, email=email, password=PASSWORD, role=role, name=name
            )

        accounts = {
            role: run(db.session, lambda r=role: new_user(r, f"{r}@bench.sanhaojie.cn", f"Bench {r}")).email
            for role in ROLE_ACCOUNTS
        }
        enterprises_made = -(-applications // PER_ENTERPRISE)
        for number in range(enterprises_made):
            scale, order = 1 + number % 5, orders[number % len(orders)]

            def sme_file(number=number, scale=scale, order=order):
                sme = new_user("sme", f"sme{number:05d}@bench.sanhaojie.cn", f"Bench SME {number}")
                profile = {
                    **DEMO_ENTERPRISE,
                    "name": f"基准测试企业{number:05d}有限公司",
                    "uscc": _uscc(number),
                    "employees": 20 + number % 200,
                }
                enterprises.save_enterprise(db.session, sme, profile, today=today)
                for year, index in zip(statements.fiscal_years(today), order, strict=False):
                    values = {
                        field: yuan * 100 * scale
                        for field, yuan in zip(
                            statements.STATEMENT_FIELDS, DEMO_STATEMENTS[index], strict=True
                        )
                    }
                    statements.file_statement(db.session, sme, year, values, today=today)
                return sme

            sme = run(db.session, sme_file)
            accounts.setdefault("sme", sme.email)
            for offset in range(min(PER_ENTERPRISE, applications - number * PER_ENTERPRISE)):
                serial = number * PER_ENTERPRISE + offset
                terms = {
                    "amount_fen": 1_000_000 * (1 + serial % 9),
                    "term_months": 6 + serial % 25,
                    "repayment_method": REPAYMENT_METHODS[serial % len(REPAYMENT_METHODS)],
                    "category": CATEGORIES[serial % len(CATEGORIES)],
                    "purpose": f"基准测试申请 {serial}：购置生产设备、补充流动资金，扩大产能。",
                }

                def submit(sme=sme, terms=terms):
                    draft = apps.create_application(db.session, sme, terms)
                    for kind, (filename, data) in files.items():
                        documents.add_document(
                            db.session, sme, draft.id, filename=filename, data=data, folder=folder, kind=kind
                        )
                    return apps.submit_application(
                        db.session, sme, draft.id, assess=assess, required_documents=required
                    )

                run(db.session, submit)
        # Fresh statistics, as autovacuum keeps them in a live database: without them the planner
        # guesses a handful of rows in each table and picks plans no production server would.
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        in_review = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LoanApplication)
            .where(LoanApplication.status == "in_review")
        )
        db.session.remove()
        db.engine.dispose()
    if in_review != applications:
        raise RuntimeError(f"{in_review} of {applications} seeded applications are in review")
    return {"accounts": accounts, "enterprises": enterprises_made, "in_review": in_review}


# --- servers and measurements ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(target: str, cwd: Path, env: dict, log: Path, ready_path: str) -> tuple:
    """`gunicorn -w 4` serving `target` on a free 127.0.0.1 port, once it answers `ready_path`."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        str(WORKERS),
        "-b",
        f"127.0.0.1:{port}",
        "--timeout",
        str(WORKER_TIMEOUT),
        target,
    ]
    with open(log, "ab") as out:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 180  # four workers each building the app on a busy machine
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if request(port, "GET", ready_path, timeout=max(1.0, deadline - time.monotonic()))[0] == 200:
                    return process, port
            except OSError:
                pass  # not listening yet
            time.sleep(0.2)
    except BaseException:
        stop_gunicorn(process)
        raise
    stop_gunicorn(process)
    raise RuntimeError(f"gunicorn {target} did not start; its log:\n{log.read_text()[-3000:]}")


def stop_gunicorn(process: subprocess.Popen) -> None:
    """SIGQUIT to the master (quick shutdown of its workers); SIGKILL to its group if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def worker_rss_mib(master_pid: int) -> list[float]:
    """VmRSS (MiB) of each child (worker) of the gunicorn master."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue  # a worker that ended meanwhile
        sizes.append(int(re.search(r"^VmRSS:\s+(\d+)", status, re.MULTILINE).group(1)) / 1024)
    return sorted(sizes)


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict | None = None,
    timeout: float = REQUEST_TIMEOUT,
):
    """(status, headers, body) of one request to 127.0.0.1:port."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _cookies(headers, jar: dict) -> dict:
    for value in headers.get_all("Set-Cookie") or ():
        jar.update({name: morsel.value for name, morsel in SimpleCookie(value).items()})
    return jar


def sign_in_page(port: int, email: str) -> dict:
    """Headers carrying the session cookie of a sign-in through the HTML form (with its CSRF token)."""
    status, headers, body = request(port, "GET", "/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
    if status != 200 or token is None:
        raise RuntimeError(f"GET /login answered {status} without a CSRF token")
    jar = _cookies(headers, {})
    form = urllib.parse.urlencode(
        {"csrf_token": token.group(1).decode(), "email": email, "password": PASSWORD}
    ).encode()
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    status, headers, _ = request(
        port, "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    )
    if status != 302:
        raise RuntimeError(f"signing in through POST /login answered {status}, not a redirect")
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in _cookies(headers, jar).items())}


def bearer(port: int, email: str) -> dict:
    """Headers carrying a fresh API token of `email`."""
    status, _, body = request(
        port,
        "POST",
        "/api/v1/auth/tokens",
        json.dumps({"email": email, "password": PASSWORD}).encode(),
        {"Content-Type": "application/json"},
    )
    if status != 201:
        raise RuntimeError(f"POST /api/v1/auth/tokens answered {status}: {body[:200]!r}")
    return {"Authorization": f"Bearer {json.loads(body)['token']}"}


def import_times(env: dict, runs: int = 3) -> tuple[list[float], list[float]]:
    """Median (import, build) seconds in fresh processes: marketplace's create_app, bare Flask."""

    def probe(imports: str, build: str) -> list[float]:
        code = IMPORT_PROBE.format(imports=imports, build=build)
        samples = []
        for _ in range(runs):
            done = subprocess.run(
                [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
            )
            if done.returncode != 0:
                raise RuntimeError(f"timing `{imports}; {build}` failed:\n{done.stderr[-2000:]}")
            samples.append(json.loads(done.stdout))
        return [statistics.median(column) for column in zip(*samples, strict=True)]

    return (
        probe("from marketplace.app import create_app", "create_app()"),
        probe("from flask import Flask", "Flask('hello')"),
    )


# --- the run -------------------------------------------------------------------------------------


def _line(label: str, path: str, figures: dict) -> None:
    errors = f"  {figures['errors']} errors (first: {figures['first_error']})" if figures["errors"] else ""
    p95 = figures["p95"]
    p95 = f"{p95 * 1000:6.1f} ms" if p95 < 10 else f"{p95:7.1f} s"
    print(
        f"  {label:<12} GET {path:<30} {figures['count']:>6} in {figures['elapsed']:6.2f} s = "
        f"{figures['rate']:8.2f}/s  p95 {p95}  {figures['bytes'] / 1024:6.1f} KiB/response{errors}",
        flush=True,
    )


def measure(args, env: dict, accounts: dict, folder: Path) -> None:
    """Start both servers, drive every endpoint, print the figures (servers stopped on return)."""
    servers = []
    try:
        hello_folder = folder / "hello"
        hello_folder.mkdir()
        (hello_folder / "hello.py").write_text(HELLO_APP)
        servers.append(start_gunicorn("hello:app", hello_folder, env, folder / "hello.log", "/"))
        servers.append(start_gunicorn("wsgi:app", ROOT, env, folder / "app.log", "/healthz"))
        (hello, hello_port), (app, port) = servers
        page, token = sign_in_page(port, accounts["fund_manager"]), bearer(port, accounts["fund_manager"])
        seconds, listed = {}, 0
        for path, headers in (("/fund/applications", page), ("/api/v1/review/applications", token)):
            began = time.perf_counter()
            status, _, body = request(port, "GET", path, headers=headers)
            seconds[path] = time.perf_counter() - began
            if status != 200:
                raise RuntimeError(f"GET {path} as the fund manager answered {status}")
        listed = len(json.loads(body).get("items", []))
        print(
            f"  first requests: queue page {seconds['/fund/applications']:.2f} s, review API "
            f"{seconds['/api/v1/review/applications']:.2f} s ({listed} applications listed)",
            flush=True,
        )
        runs = [
            ("hello-world", hello_port, "/", {}),
            ("home", port, "/", {}),
            ("queue page", port, "/fund/applications", page),
            ("review API", port, "/api/v1/review/applications", token),
            ("me API", port, "/api/v1/me", token),
            ("hello-world", hello_port, "/", {}),
        ]
        figures = {}
        for label, target, path, headers in runs:
            result = load(
                target,
                path,
                headers,
                concurrency=args.concurrency,
                processes=args.client_processes,
                duration=args.duration,
            )
            _line(label, path, result)
            figures.setdefault(label, []).append(result)
        app_rss, hello_rss = worker_rss_mib(app.pid), worker_rss_mib(hello.pid)
    finally:
        for process, _port in servers:
            stop_gunicorn(process)
    baseline = statistics.mean(f["rate"] for f in figures["hello-world"])
    print(f"  ratio to hello-world's {baseline:.1f}/s (mean of the runs before and after):")
    for label in ("home", "queue page", "review API", "me API"):
        ratio = figures[label][0]["rate"] / baseline
        target = TARGETS.get(label)
        verdict = f"  (target ≥ {target:.2f})  {'PASS' if ratio >= target else 'MISS'}" if target else ""
        print(f"    {label:<12} {ratio:7.4f}{verdict}")
    print(
        f"  worker VmRSS after the load: app {', '.join(f'{x:.0f}' for x in app_rss)} MiB; "
        f"hello-world {', '.join(f'{x:.0f}' for x in hello_rss)} MiB"
    )
    (app_import, app_build), (flask_import, flask_build) = import_times(env)
    print(
        f"  fresh process: import marketplace.app {app_import:.2f} s + create_app() {app_build:.2f} s "
        f"= {app_import + app_build:.2f} s; bare Flask {flask_import + flask_build:.2f} s (median of 3)"
    )


def prepare(args, database_url: str, folder: Path) -> tuple[dict, dict]:
    """Migrate, make a model active and seed; → (the servers' environment, role → email)."""
    import sklearn.ensemble  # noqa: F401 - loads the OpenMP runtime that threadpool_limits limits
    from threadpoolctl import threadpool_limits

    from marketplace.app import create_app

    registry = args.model_dir or str(folder / "models")
    env = {key: value for key, value in os.environ.items() if key not in ("FLASK_DEBUG", "FLASK_APP")}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_urlsafe(48),
        MARKETPLACE_ENV="development",
        MODEL_REGISTRY_DIR=registry,
        UPLOAD_FOLDER=str(folder / "uploads"),
    )
    # Seeding hashes a password per SME: a cheap argon2 setting here; the server keeps its own.
    app = create_app(
        {
            "MARKETPLACE_ENV": "development",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": env["SECRET_KEY"],
            "MODEL_REGISTRY_DIR": registry,
            "UPLOAD_FOLDER": env["UPLOAD_FOLDER"],
            "ARGON2_MEMORY_KIB": 1024,
            "ARGON2_TIME_COST": 1,
            "ARGON2_PARALLELISM": 1,
        }
    )
    began = time.monotonic()
    _cli(app, "db", "upgrade")
    migrated = time.monotonic()
    # One OpenMP thread for training and scoring: on a busy machine spinning threads cost far
    # more than they give (7 CPU minutes instead of one, measured on 2 shared cores).
    with threadpool_limits(limits=1):
        model = _cli(app, "scoring", "ensure")
        modelled = time.monotonic()
        seeded = seed(app, args.applications)
    print(
        f"  migrated in {migrated - began:.1f} s; {model} ({modelled - migrated:.1f} s); seeded "
        f"{seeded['in_review']} applications in review from {seeded['enterprises']} enterprises "
        f"in {time.monotonic() - modelled:.1f} s",
        flush=True,
    )
    return env, seeded["accounts"]


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    """Print requests/s, p95 latency and ratios to hello-world for each endpoint; memory; import time."""
    parser = argparse.ArgumentParser(prog="python -m bench web")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint")
    parser.add_argument("--concurrency", type=int, default=8, help="connections open at once")
    parser.add_argument("--client-processes", type=int, default=2, help="processes the connections share")
    parser.add_argument("--applications", type=int, default=2000, help="applications in review")
    parser.add_argument("--database-url", help="PostgreSQL server (default BENCH_DATABASE_URL or local)")
    parser.add_argument("--model-dir", help="model registry folder to use and keep (default: temporary)")
    parser.add_argument("--quick", action="store_true", help="2 s per endpoint, 100 applications")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.applications = min(args.duration, 2.0), min(args.applications, 100)
    print(
        f"web: gunicorn -w {WORKERS} --timeout {WORKER_TIMEOUT} (sync workers), {args.concurrency} "
        f"connections from {args.client_processes} client processes, {args.duration:g} s per endpoint, "
        f"{args.applications} applications; machine has {os.cpu_count()} cores",
        flush=True,
    )
    server_url = _server_url(args.database_url)
    if server_url is None:
        return 0
    # SIGTERM ends the run like Ctrl-C does, through the clean-up below.
    signal.signal(signal.SIGTERM, _interrupt)
    name = f"bench_web_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    database_url = _database(server_url, name, create=True)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-web-") as folder:
            env, accounts = prepare(args, database_url, Path(folder))
            measure(args, env, accounts, Path(folder))
    finally:
        _database(server_url, name, create=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
