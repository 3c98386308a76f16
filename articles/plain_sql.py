"""What the statements Newsdesk writes out (instead of compiling querysets, where compiling cost
more CPU than running them) need from Python: an IN list's placeholders, and JSON columns as a
plain cursor returns them, and how to write them."""

import json

from django.db import connection


def placeholders(count: int) -> str:
    """'%s, %s, …' for `count` parameters: the inside of an IN list."""
    return ", ".join(["%s"] * count)


def json_value(value):
    """A JSON column's value read with a plain cursor: SQLite hands back its text, PostgreSQL's
    driver may have decoded it already."""
    return json.loads(value) if isinstance(value, str) else value


def json_placeholder() -> str:
    """The placeholder for JSON text written into a JSON column: PostgreSQL takes it into jsonb
    only with a cast; SQLite stores the text as it is."""
    return "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
