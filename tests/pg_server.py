"""A throwaway PostgreSQL server on loopback for tests (initdb into a temp dir, stopped and deleted after).

PostgreSQL refuses to run as root, so when the tests run as root (as CI does) the cluster is created
and served by an existing unprivileged system user (``postgres`` if present, else ``nobody``); nothing
on the system is modified. The server listens only on 127.0.0.1 at a free port, keeps its unix socket
in the temp dir, and runs with ``fsync=off`` (a test cluster never needs to survive a power cut). When
``setpriv`` is available the server also gets a parent-death signal, so it cannot outlive a killed
test run. Anything that prevents a start raises ``PostgresUnavailable`` with the reason, which the
fixtures turn into a skip.

Usage::

    from tests.pg_server import PostgresServer, drop_schema, fresh_schema

    with PostgresServer.start() as server:      # ~2 s: initdb + start
        url = server.url()                      # postgresql+psycopg://postgres@127.0.0.1:PORT/coach_test
        scoped = fresh_schema(url)              # same database, an empty schema of its own
        ...
        drop_schema(url, scoped)
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

DRIVER = "postgresql+psycopg"
SUPERUSER = "postgres"
DATABASE = "coach_test"
START_TIMEOUT = 30.0
PG_LIB_DIR = Path("/usr/lib/postgresql")  # Debian/Ubuntu layout: /usr/lib/postgresql/<major>/bin
UNPRIVILEGED_USERS = ("postgres", "nobody")
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "shared_buffers": "32MB",
    "logging_collector": "off",
    "TimeZone": "UTC",
}


class PostgresUnavailable(RuntimeError):
    """The test server cannot run here (no binaries, no unprivileged user, start failed or timed out)."""


def find_binaries() -> tuple[Path, Path]:
    """``(initdb, postgres)``: from PATH first, else the newest /usr/lib/postgresql/*/bin."""
    initdb, postgres = shutil.which("initdb"), shutil.which("postgres")
    if initdb and postgres:
        return Path(initdb), Path(postgres)
    versions = sorted(PG_LIB_DIR.glob("*/bin"), key=lambda p: _version_key(p.parent.name))
    for bin_dir in reversed(versions):
        if (bin_dir / "initdb").exists() and (bin_dir / "postgres").exists():
            return bin_dir / "initdb", bin_dir / "postgres"
    raise PostgresUnavailable(f"PostgreSQL binaries (initdb, postgres) not found on PATH or in {PG_LIB_DIR}/*/bin")


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in UNPRIVILEGED_USERS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable(f"running as root and none of the users {', '.join(UNPRIVILEGED_USERS)} exists "
                              "(PostgreSQL refuses to run as root); create one with `useradd --system postgres`")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _child_env() -> dict[str, str]:
    """A minimal environment: no PG* variables from the caller leak into initdb/postgres."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C", "TZ": "UTC"}


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class PostgresServer:
    """A running throwaway cluster. Create with ``PostgresServer.start()``; ``stop()`` deletes everything."""

    root: Path
    port: int
    process: subprocess.Popen[bytes]
    database: str = DATABASE
    _stopped: bool = field(default=False, repr=False)

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def start(cls, timeout: float = START_TIMEOUT, database: str = DATABASE) -> PostgresServer:
        """initdb into a temp dir, start on a free loopback port, create ``database``; all within ``timeout`` s."""
        deadline = time.monotonic() + timeout
        initdb, postgres = find_binaries()
        account = _run_as()
        root = Path(tempfile.mkdtemp(prefix="coach-pg-"))
        try:
            if account is not None:
                os.chown(root, account.pw_uid, account.pw_gid)
            _initdb(initdb, root, account, deadline)
            server = _launch(postgres, root, account, deadline)
            server.database = database
            server.execute(f'CREATE DATABASE "{database}"')
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        atexit.register(server.stop)
        return server

    def stop(self) -> None:
        """Fast shutdown (SIGINT), SIGKILL if it hangs, then delete the cluster directory. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- use ---------------------------------------------------------------------------------
    def url(self, database: str | None = None) -> str:
        """SQLAlchemy URL of ``database`` (default: the one created at start) on this server."""
        return f"{DRIVER}://{SUPERUSER}@127.0.0.1:{self.port}/{database or self.database}"

    def execute(self, sql: str) -> None:
        """Run one statement on the maintenance database in autocommit (CREATE/DROP DATABASE...)."""
        _autocommit(self.url("postgres"), sql)


def _as_account(cmd: Sequence[str], account: pwd.struct_passwd | None, pdeathsig: bool) -> list[str]:
    """Prefix ``cmd`` with setpriv to drop root and/or to set a parent-death signal."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return list(cmd)  # credentials are then dropped by Popen(user=..., group=...)
    prefix = [setpriv]
    if account is not None:
        prefix += [f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups"]
    if pdeathsig:
        prefix.append("--pdeathsig=SIGQUIT")  # immediate shutdown if the test process dies
    return [*prefix, "--", *cmd] if len(prefix) > 1 else list(cmd)


def _popen_creds(account: pwd.struct_passwd | None) -> dict[str, object]:
    if account is None or shutil.which("setpriv"):
        return {}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def _initdb(initdb: Path, root: Path, account: pwd.struct_passwd | None, deadline: float) -> None:
    log = root / "initdb.log"
    cmd = [str(initdb), "-D", str(root / "data"), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
           "--locale=C", "--no-sync"]
    with log.open("wb") as out:
        try:
            result = subprocess.run(_as_account(cmd, account, pdeathsig=False), cwd=root, env=_child_env(),
                                    stdout=out, stderr=subprocess.STDOUT, timeout=max(1.0, deadline - time.monotonic()),
                                    check=False, **_popen_creds(account))  # type: ignore[call-overload]
        except subprocess.TimeoutExpired as err:
            raise PostgresUnavailable(f"initdb did not finish in time: {_log_tail(log)}") from err
        except OSError as err:
            raise PostgresUnavailable(f"initdb could not run: {err}") from err
    if result.returncode != 0:
        raise PostgresUnavailable(f"initdb failed (exit {result.returncode}):\n{_log_tail(log)}")


def _launch(postgres: Path, root: Path, account: pwd.struct_passwd | None, deadline: float) -> PostgresServer:
    """Start the postmaster on a free port (retrying if someone grabbed the port) and wait until it accepts."""
    attempts = 3
    for attempt in range(attempts):
        port = _free_port()
        log = root / f"server-{attempt}.log"
        cmd = [str(postgres), "-D", str(root / "data"), "-p", str(port), "-k", str(root)]
        for key, value in SERVER_SETTINGS.items():
            cmd += ["-c", f"{key}={value}"]
        with log.open("wb") as out:
            try:
                proc = subprocess.Popen(_as_account(cmd, account, pdeathsig=True), cwd=root, env=_child_env(),
                                        stdout=out, stderr=subprocess.STDOUT, **_popen_creds(account))  # type: ignore[call-overload]
            except OSError as err:
                raise PostgresUnavailable(f"postgres could not run: {err}") from err
        server = PostgresServer(root=root, port=port, process=proc)
        if _wait_ready(server, deadline):
            return server
        exited = proc.poll() is not None
        if not exited:
            proc.kill()
        proc.wait(timeout=15)
        tail = _log_tail(log)
        if "could not bind" in tail and attempt + 1 < attempts and time.monotonic() < deadline:
            continue  # the port was taken between probing and binding
        why = f"exited with code {proc.returncode}" if exited else "did not accept connections in time"
        raise PostgresUnavailable(f"postgres {why} (port {port}):\n{tail}")
    raise PostgresUnavailable("postgres could not bind a free loopback port")


def _wait_ready(server: PostgresServer, deadline: float) -> bool:
    """Poll until a connection succeeds; False if the process died or the deadline passed."""
    try:
        import psycopg
    except ImportError as err:
        raise PostgresUnavailable("psycopg is not installed (pip install 'psycopg[binary]')") from err
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            with psycopg.connect(host="127.0.0.1", port=server.port, user=SUPERUSER, dbname="postgres",
                                 connect_timeout=2):
                return True
        except psycopg.OperationalError:
            time.sleep(0.05)
    return False


# -- per-test schemas on any server (the test one, or COACH_TEST_POSTGRES_URL) -------------------------
def _autocommit(url: str, sql: str) -> None:
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def fresh_schema(url: str, prefix: str = "coach_t") -> str:
    """Create an empty schema on the database of ``url``; return a URL whose connections use only it.

    Cheaper than a database per test (a few ms against ~150 ms) and needs only CREATE on the database.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    _autocommit(url, f'CREATE SCHEMA "{name}"')
    parsed = make_url(url)
    options = " ".join(filter(None, [str(parsed.query.get("options", "")), f"-csearch_path={name}"]))
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


def schema_of(schema_url: str) -> str:
    """The schema name a ``fresh_schema`` URL points at."""
    options = str(make_url(schema_url).query.get("options", ""))
    return options.rsplit("-csearch_path=", 1)[-1].split()[0]


def drop_schema(url: str, schema_url: str) -> None:
    """Drop the schema of ``schema_url`` (made by ``fresh_schema``) and everything in it."""
    _autocommit(url, f'DROP SCHEMA IF EXISTS "{schema_of(schema_url)}" CASCADE')
