"""How the app talks to its database: settings that the pages' speed depends on."""

import pytest
from django.db import connection

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL connection settings"
)


@postgresql_only
@pytest.mark.django_db
def test_postgresql_never_jit_compiles_the_apps_short_statements():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@postgresql_only
@pytest.mark.django_db
def test_postgresql_prepares_a_statement_used_again_and_again():
    """psycopg prepares a statement at its 5th use on a connection (server-side binding)."""
    with connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute("SELECT %s::int + 1", [41])
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] >= 1
