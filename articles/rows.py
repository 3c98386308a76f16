"""Many rows of one model written at once: the INSERT made once, each row checked by the model's
own field rules, and no model instances.

A bulk import writes thousands of rows that nothing reads back before the transaction ends.
`bulk_create` compiles its SQL value by value for every batch and needs an instance per row;
for the importer that was most of its time. `RowWriter` keeps Django's rules (each field's
`clean`, as `full_clean` runs it; each field's own conversion of dates for the database; the
model's defaults) and leaves out the rest. Database triggers fire as for any INSERT.
"""

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import connection

# Field types whose Python values the database drivers take as they are (str, int, bool, None);
# any other type goes through the field's own `get_db_prep_save`, as `bulk_create` would.
_AS_IS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "FloatField",
        "ForeignKey",
        "IntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


class RowWriter:
    """Writes rows of `model` given as tuples of the values of `fields`, in that order.

    A foreign key is given by its id (`"outlet_id"` or `"outlet"`). Every other column gets the
    model's default, evaluated once per `write`: one batch is one transaction, one instant.
    Columns with a database default are left to the database.
    """

    def __init__(self, model, fields: Sequence[str]):
        meta = model._meta
        self.model = model
        self.fields = [meta.get_field(name) for name in fields]
        given = {f.name for f in self.fields}
        self.defaulted = [
            f
            for f in meta.concrete_fields
            if f.name not in given and not f.primary_key and not f.generated
            if not f.has_db_default()
        ]
        # Relations are not cleaned: a row's existence is the foreign key constraint's check,
        # and cleaning one would cost a query per value.
        self._cleaned = [(i, f) for i, f in enumerate(self.fields) if not f.is_relation]
        self._adapted = [
            (i, f) for i, f in enumerate(self.fields) if f.get_internal_type() not in _AS_IS
        ]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in (*self.fields, *self.defaulted))
        marks = ", ".join(["%s"] * (len(self.fields) + len(self.defaulted)))
        self.sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"

    def clean(self, row: Sequence) -> tuple:
        """The row as `full_clean` would leave it: each field's `clean` (type, length, choices,
        required), skipping blank values of fields that may be blank, as `clean_fields` does.

        Raises ValidationError with one "field: message" per problem.
        """
        row = list(row)
        problems = []
        for i, field in self._cleaned:
            value = row[i]
            if field.blank and value in field.empty_values:
                continue
            try:
                row[i] = field.clean(value, None)
            except ValidationError as exc:
                problems.extend(f"{field.name}: {message}" for message in exc.messages)
        if problems:
            raise ValidationError(problems)
        return tuple(row)

    def write(self, rows: Iterable[Sequence]) -> None:
        """INSERT the rows in one executemany (no-op for no rows)."""
        defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in self.defaulted)
        params = [self._prepared(row) + defaults for row in rows]
        if params:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, params)

    def _prepared(self, row: Sequence) -> tuple:
        if not self._adapted:
            return tuple(row)
        row = list(row)
        for i, field in self._adapted:
            row[i] = field.get_db_prep_save(row[i], connection)
        return tuple(row)
