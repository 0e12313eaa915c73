"""PostgreSQL: trigram GIN indexes so that "contains" searches on search_key use an index.

`search_key LIKE '%やまだ%'` cannot use a B-tree; pg_trgm's GIN index serves any needle of three
or more characters (kana readings almost always are). Creating the extension needs the right to
do so; without it the indexes are skipped with a warning and search still works, only slower
(docs/decisions/0008-search-at-scale.md). SQLite is left alone.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

TABLES = ("customers_account", "customers_contact", "customers_customer", "customers_department")


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        logger.warning("pg_trgm is not available: kana search will not use an index")
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_search_trgm "
            f"ON {table} USING gin (search_key gin_trgm_ops)"
        )


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
