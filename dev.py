#!/usr/bin/env python3
"""Escalade's developer entry point; needs only Python 3.11+ and git.

    python3 dev.py serve   # set up .venv, migrate, load demo data, serve http://127.0.0.1:8000
    python3 dev.py test    # lint, types, import rules, migrations, tests on SQLite and PostgreSQL

Everything is installed into ./.venv; the embedded default keeps its data in ./var.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".escalade-installed"
POSTGRES_URL = os.environ.get(
    "ESCALADE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if result.returncode != 0:
        raise SystemExit(result.returncode)


def ensure_venv() -> None:
    """Create .venv and install the project with its dev tools; again when pyproject changes."""
    if not PYTHON.exists():
        say("Creating the virtual environment in .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    say("Installing Escalade and its tools into .venv (first run only)")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_text(digest)


def manage(*args: str, env: dict[str, str] | None = None) -> None:
    run(PYTHON, "manage.py", *args, env=env)


def serve(args: argparse.Namespace) -> None:
    ensure_venv()
    say("Migrating the database")
    manage("migrate", "--no-input", "-v", "0")
    say("Loading the demo data (first run only)")
    manage("demo_data")
    say("Starting the background worker (SLA watcher, webhook deliveries)")
    worker = subprocess.Popen([str(PYTHON), "manage.py", "run_worker"], cwd=ROOT)
    try:
        say(f"Escalade runs on http://{args.address}  (Ctrl-C stops it)")
        manage("runserver", "--insecure", "--noreload", args.address)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


def check(_args: argparse.Namespace) -> None:
    ensure_venv()
    say("ruff: lint and format")
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    say("mypy --strict")
    run(BIN / "mypy", *[name for name in ("escalade", "tests", "bench") if (ROOT / name).exists()])
    say("Import rules: engines stay free of Django, layers point down")
    run(BIN / "lint-imports")
    say("No model change without its migration")
    manage("makemigrations", "--check", "--dry-run")


def test(args: argparse.Namespace) -> None:
    ensure_venv()
    if not args.no_check:
        check(args)
    pytest = [str(PYTHON), "-m", "pytest", *args.pytest_args]
    base_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    say("Test suite on SQLite")
    run(*pytest, env=base_env)
    if postgres_reachable():
        say("Test suite on PostgreSQL")
        run(*pytest, "--create-db", env={**base_env, "DATABASE_URL": POSTGRES_URL})
    elif os.environ.get("ESCALADE_REQUIRE_POSTGRES") == "1":
        raise SystemExit("PostgreSQL is not reachable on 127.0.0.1:5432.")
    else:
        say("PostgreSQL is not running on 127.0.0.1:5432: its run is skipped")


def main() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        raise SystemExit("Escalade needs Python 3.11 or newer.")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="set up and serve the demo")
    serve_parser.add_argument("address", nargs="?", default="127.0.0.1:8000")
    serve_parser.set_defaults(handler=serve)
    check_parser = commands.add_parser("check", help="lint, types, import rules, migrations")
    check_parser.set_defaults(handler=check)
    test_parser = commands.add_parser(
        "test", help="checks, then the tests on SQLite and PostgreSQL"
    )
    test_parser.add_argument("--no-check", action="store_true", help="only run the tests")
    test_parser.add_argument("pytest_args", nargs="*", help="passed to pytest")
    test_parser.set_defaults(handler=test)
    args = parser.parse_args()
    if shutil.which("git") is None:
        say("git is not on PATH; that is fine for running Escalade")
    args.handler(args)


if __name__ == "__main__":
    main()
