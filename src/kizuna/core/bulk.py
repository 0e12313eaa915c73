"""Fast bulk inserts for loads of many rows (demo data, imports).

Only for rows that services have already validated: nothing here runs model validation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models, router
from django.utils import timezone


def insert_rows(model: type[models.Model], field_names: Sequence[str],
                 rows: Sequence[tuple[Any, ...]], batch_size: int) -> None:
    """Insert plain rows fast: what bulk_create writes, without its per-value preparation.

    ``rows`` hold values (int, str, bool, None, dates, aware datetimes) for ``field_names``.
    Every other column gets what Django would have written: auto_now(_add) fields the current
    time, others their default (prepared once per call), nullable ones NULL; a new required
    field without a default fails loudly. Table and column names come from the model's
    metadata, values are always parameters. SQLite gets ``executemany`` (one prepared statement
    run per row in C), PostgreSQL ``COPY … FROM STDIN`` (psycopg 3 adapts the values), anything
    else ``executemany``. Measured speed-ups over bulk_create are in decision 0103.
    """
    connection = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(name) for name in field_names]
    now = timezone.now()
    extra_fields, extra_values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key or f in fields:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        elif f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        else:
            raise ImproperlyConfigured(f"insert_rows needs a value for {model.__name__}.{f.name}")
        extra_fields.append(f)
        extra_values.append(f.get_db_prep_save(value, connection))
    extra = tuple(extra_values)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in [*fields, *extra_fields])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + extra)
            return
        adapters = [
            connection.ops.adapt_datetimefield_value if isinstance(f, models.DateTimeField)
            else connection.ops.adapt_datefield_value if isinstance(f, models.DateField)
            else None for f in fields]
        if any(adapters):
            rows = [tuple(a(v) if a and v is not None else v
                          for a, v in zip(adapters, row, strict=True)) + extra for row in rows]
        elif extra:
            rows = [row + extra for row in rows]
        placeholders = ", ".join(["%s"] * (len(fields) + len(extra_fields)))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, rows[start:start + batch_size])
