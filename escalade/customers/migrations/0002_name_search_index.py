"""Fuzzy name search: an FTS5 trigram table on SQLite, trigram GIN indexes on PostgreSQL."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE customer_name_index USING fts5("
    "name, kind UNINDEXED, ref_id UNINDEXED, tokenize='trigram')",
]
for table in ("customers_account", "customers_contact"):
    SQLITE_FORWARD += [
        f"CREATE TRIGGER {table}_name_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO customer_name_index(name, kind, ref_id) "
        f"VALUES (new.search_name, '{table}', new.id); END",
        f"CREATE TRIGGER {table}_name_ad AFTER DELETE ON {table} BEGIN "
        f"DELETE FROM customer_name_index WHERE kind = '{table}' AND ref_id = old.id; END",
        f"CREATE TRIGGER {table}_name_au AFTER UPDATE OF search_name ON {table} BEGIN "
        f"UPDATE customer_name_index SET name = new.search_name "
        f"WHERE kind = '{table}' AND ref_id = old.id; END",
        f"INSERT INTO customer_name_index(name, kind, ref_id) "
        f"SELECT search_name, '{table}', id FROM {table}",
    ]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {table}_name_{suffix}"
    for table in ("customers_account", "customers_contact")
    for suffix in ("ai", "ad", "au")
] + ["DROP TABLE IF EXISTS customer_name_index"]

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS customers_account_name_trgm "
    "ON customers_account USING gin (search_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS customers_contact_name_trgm "
    "ON customers_contact USING gin (search_name gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS customers_account_name_trgm",
    "DROP INDEX IF EXISTS customers_contact_name_trgm",
]


def _run(statements_by_vendor):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
