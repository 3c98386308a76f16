"""How the app talks to its database: settings that the pages' speed depends on."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

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


def database_options(**environ) -> dict:
    """The OPTIONS the settings give a PostgreSQL database under `environ` (nothing connects)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_PREPARED_STATEMENTS"}
    env.update(
        DJANGO_SETTINGS_MODULE="newsdesk.settings",
        SECRET_KEY="database-settings-test",
        DATABASE_URL="postgresql://nobody@127.0.0.1:9/none",
        **environ,
    )
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_prepared_statements_can_be_turned_off_for_a_pooler_and_jit_stays_off():
    assert database_options() == {
        "server_side_binding": True,
        "prepare_threshold": 5,
        "options": "-c jit=off",
    }
    assert database_options(DATABASE_PREPARED_STATEMENTS="0") == {"options": "-c jit=off"}
