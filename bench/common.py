"""What every benchmark needs: progress on stderr and its own PostgreSQL database."""

import sys

import psycopg

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def log(message: str) -> None:
    """Progress goes to stderr: stdout carries only the JSON line."""
    print(message, file=sys.stderr, flush=True)


def pg_url(database: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{database}"


def ensure_postgres_database(database: str, *, drop: bool = False) -> None:
    """Create the benchmark's own database if missing (dropped first when asked)."""
    with psycopg.connect(PG_SERVER, autocommit=True) as server:
        if drop:
            server.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        exists = server.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database]
        ).fetchone()
        if not exists:
            log(f"Creating the PostgreSQL database {database}")
            server.execute(f"CREATE DATABASE {database}")


def disconnect() -> None:
    """Close this process's database connections, pooled ones included (before a DROP)."""
    from django.db import connection

    connection.close()
    close_pool = getattr(connection, "close_pool", None)
    if close_pool is not None:
        close_pool()
