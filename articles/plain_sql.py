"""What the statements Newsdesk writes out (instead of compiling querysets, where compiling cost
more CPU than running them) need from Python: an IN list's placeholders, and JSON columns as a
plain cursor returns them."""

import json


def placeholders(count: int) -> str:
    """'%s, %s, …' for `count` parameters: the inside of an IN list."""
    return ", ".join(["%s"] * count)


def json_value(value):
    """A JSON column's value read with a plain cursor: SQLite hands back its text, PostgreSQL's
    driver may have decoded it already."""
    return json.loads(value) if isinstance(value, str) else value
