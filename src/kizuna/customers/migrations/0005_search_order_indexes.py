"""Indexes that return search matches in sort_key order (kizuna.customers.search.OrderedSearch).

A common family name matches some 16,000 of a million customers; the first page in あいうえお
order needs neither all of them nor a walk through everything that sorts before や. Every
occurrence of a needle starts the name, starts the part after the first U+001F (the reading), or
lies in the *tail* (the key without those two first characters), so for each table:

- ``*_search_head``:  B-tree (first 2 characters of search_key, sort_key, id, first 6 characters)
- ``*_search_part2``: the same on the part after the first separator
- ``*_search_tail``:  PostgreSQL: GIN on the bigrams of the tail (any needle of 2+ characters;
  pg_trgm needs 3); SQLite: an FTS5 trigram table of the tails, kept by triggers (3+ characters),
  skipped with a warning when the SQLite build has no FTS5.

The expressions must stay exactly as ``kizuna.customers.search.KeyPrefix`` and ``TailContains``
write them, or the databases stop using the indexes (tests/customers/test_search_order.py checks
the plans). docs/decisions/0008-search-at-scale.md has the measurements.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

TABLES = ("customers_account", "customers_contact", "customers_customer", "customers_department")

# The key without the first character of its first two parts; U+001F separates the parts.
PG_FUNCTION = r"""
CREATE OR REPLACE FUNCTION kizuna_search_tail_bigrams(key text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(tail, i, 2)), '{}')
  FROM (SELECT CASE WHEN strpos(key, chr(31)) = 0 THEN substr(key, 2)
                    ELSE substr(key, 2, greatest(strpos(key, chr(31)) - 2, 0)) || chr(31)
                         || substr(key, strpos(key, chr(31)) + 2) END AS tail) AS t,
       generate_series(1, char_length(tail) - 1) AS i
$$
"""

PG_INDEXES = (
    """CREATE INDEX IF NOT EXISTS {t}_search_head ON {t}
       (left(search_key, 2), sort_key, id, (left(search_key, 6) COLLATE "C"))""",
    r"""CREATE INDEX IF NOT EXISTS {t}_search_part2 ON {t}
       (substr(search_key, strpos(search_key, E'\x1f') + 1, 2), sort_key, id,
        (substr(search_key, strpos(search_key, E'\x1f') + 1, 6) COLLATE "C"))""",
    """CREATE INDEX IF NOT EXISTS {t}_search_tail ON {t}
       USING gin (kizuna_search_tail_bigrams(search_key))""",
)

SQLITE_INDEXES = (
    """CREATE INDEX IF NOT EXISTS {t}_search_head ON {t}
       (substr(search_key, 1, 2), sort_key, id, substr(search_key, 1, 6))""",
    """CREATE INDEX IF NOT EXISTS {t}_search_part2 ON {t}
       (substr(search_key, instr(search_key, char(31)) + 1, 2), sort_key, id,
        substr(search_key, instr(search_key, char(31)) + 1, 6))""",
)


def sqlite_tail(key: str) -> str:
    return (f"CASE WHEN instr({key}, char(31)) = 0 THEN substr({key}, 2) "
            f"ELSE substr({key}, 2, max(instr({key}, char(31)) - 2, 0)) || char(31) "
            f"|| substr({key}, instr({key}, char(31)) + 2) END")


# A contentless FTS5 table forgets the text; deleting a row needs the tail it was given.
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE {t}_search_tail USING fts5(tail, content='', tokenize='trigram')",
    "INSERT INTO {t}_search_tail (rowid, tail) SELECT id, {new_all} FROM {t}",
    """CREATE TRIGGER {t}_search_tail_insert AFTER INSERT ON {t} BEGIN
         INSERT INTO {t}_search_tail (rowid, tail) VALUES (new.id, {new});
       END""",
    """CREATE TRIGGER {t}_search_tail_delete AFTER DELETE ON {t} BEGIN
         INSERT INTO {t}_search_tail ({t}_search_tail, rowid, tail)
         VALUES ('delete', old.id, {old});
       END""",
    """CREATE TRIGGER {t}_search_tail_update AFTER UPDATE OF search_key ON {t} BEGIN
         INSERT INTO {t}_search_tail ({t}_search_tail, rowid, tail)
         VALUES ('delete', old.id, {old});
         INSERT INTO {t}_search_tail (rowid, tail) VALUES (new.id, {new});
       END""",
)


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        for table in TABLES:
            for statement in PG_INDEXES:
                schema_editor.execute(statement.format(t=table))
    elif connection.vendor == "sqlite":
        for table in TABLES:
            for statement in SQLITE_INDEXES:
                schema_editor.execute(statement.format(t=table))
            tails = {"new_all": sqlite_tail("search_key"), "new": sqlite_tail("new.search_key"),
                     "old": sqlite_tail("old.search_key")}
            try:
                with transaction.atomic(using=connection.alias):
                    for statement in SQLITE_FTS:
                        schema_editor.execute(statement.format(t=table, **tails))
            except DatabaseError:
                logger.warning("SQLite has no FTS5 trigram tokenizer: searches in %s keep the "
                               "plain query", table)


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    if connection.vendor not in ("postgresql", "sqlite"):
        return
    for table in TABLES:
        for suffix in ("head", "part2"):
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_{suffix}")
        if connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_tail")
        else:
            for event in ("insert", "delete", "update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_search_tail_{event}")
            schema_editor.execute(f"DROP TABLE IF EXISTS {table}_search_tail")
    if connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS kizuna_search_tail_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_duplicate_group")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
