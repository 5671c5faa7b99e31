"""Querysets compiled once per process, then run with new parameters.

On the signed-in pages most of a query's cost is not PostgreSQL but the ORM building the
SQL: 0.5–2 ms of CPU for a query with joins, against about 0.2 ms for sending the same SQL
through the cursor (bench/findings.md). A `PreparedQuery` builds its queryset once per
database with sample values, keeps the SQL, the positions of the sample values among the
parameters and the result converters, and later only swaps the values in.

What it takes: a function that returns a `.values(...)` queryset from keyword arguments, and
a sample for each argument, an int or a str that does not occur in the query otherwise. It
refuses (ImproperlyConfigured) a queryset whose other parameters change between two builds —
a `timezone.now()`, a list of variable length or the active language (django-modeltranslation)
would be frozen into the SQL — and one whose
sample values the ORM transformed (a `contains` lookup, a date), since they could not be
found again. The rows come back as dicts, as `.values()` gives them, converted by the same
converters the ORM applies.
"""

import threading
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import QuerySet
from django.utils import translation


class PreparedQuery:
    def __init__(self, build: Callable[..., QuerySet], **samples):
        if not samples or not all(type(v) in (int, str) for v in samples.values()):
            raise ImproperlyConfigured("PreparedQuery needs an int or str sample per argument.")
        self._build = build
        self._samples = samples
        self._compiled: dict[str, tuple] = {}
        self._lock = threading.Lock()
        self._model = None

    def __call__(self, **values) -> list[dict]:
        if values.keys() != self._samples.keys():
            raise TypeError(f"expected {sorted(self._samples)}, got {sorted(values)}")
        sql, params, slots, names, compiler, converters = self._compiled_for(self._alias())
        params = list(params)
        for name, positions in slots.items():
            value = values[name]
            if type(value) is not type(self._samples[name]):
                raise TypeError(f"{name} must be {type(self._samples[name]).__name__}")
            for i in positions:
                params[i] = value
        connection = connections[compiler.using]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = [_converted(row, converters, connection) for row in rows]
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _alias(self) -> str:
        if self._model is None:
            self._model = self._build(**self._samples).model
        return router.db_for_read(self._model)

    def _compiled_for(self, alias: str) -> tuple:
        compiled = self._compiled.get(alias)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(alias) or self._compile(alias)
                self._compiled[alias] = compiled
        return compiled

    def _compile(self, alias: str) -> tuple:
        first = self._sql(alias, self._samples)
        # A second build with other samples: every parameter that is not a sample must be
        # the same, or the query depends on something else (the time, a list's length).
        others = {
            k: (v + 7919 if isinstance(v, int) else v + "\x1f") for k, v in self._samples.items()
        }
        # ... and in another language: django-modeltranslation rewrites the fields of a
        # translated model by the active language, which a compiled query would freeze.
        with translation.override("en" if translation.get_language() != "en" else "de"):
            second = self._sql(alias, others)
        sql, params, slots, names, compiler, converters = first
        if second[0] != sql or len(second[1]) != len(params):
            raise ImproperlyConfigured("The query's SQL depends on more than its arguments.")
        sample_positions = {i for positions in slots.values() for i in positions}
        for i, (a, b) in enumerate(zip(params, second[1], strict=True)):
            if i not in sample_positions and a != b:
                raise ImproperlyConfigured(
                    f"Parameter {i} of the query changes between builds ({a!r}, {b!r})."
                )
        if second[2] != slots:
            raise ImproperlyConfigured("The samples' positions differ between builds.")
        return first

    def _sql(self, alias: str, samples: dict) -> tuple:
        queryset = self._build(**samples).using(alias)
        if queryset._fields is None and not queryset.query.values_select:
            raise ImproperlyConfigured("PreparedQuery takes a .values(...) queryset.")
        query = queryset.query
        compiler = query.get_compiler(alias)
        sql, params = compiler.as_sql()
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        if len(names) != compiler.col_count:
            raise ImproperlyConfigured("The query's columns could not be named.")
        fields = [s[0] for s in compiler.select[: compiler.col_count]]
        converters = list(compiler.get_converters(fields).items())
        slots = {}
        for name, sample in samples.items():
            positions = [i for i, p in enumerate(params) if type(p) is type(sample) and p == sample]
            if not positions:
                raise ImproperlyConfigured(
                    f"The sample for {name!r} is not among the query's parameters as given "
                    "(the ORM transformed it): this query cannot be prepared."
                )
            slots[name] = positions
        return sql, tuple(params), slots, names, compiler, converters


def _converted(row, converters, connection) -> list:
    """`SQLCompiler.apply_converters` for one row, with this thread's connection."""
    row = list(row)
    for pos, (functions, expression) in converters:
        value = row[pos]
        for function in functions:
            value = function(value, expression, connection)
        row[pos] = value
    return row


class PreparedObjects:
    """Model instances by a prepared query, with foreign keys followed as `select_related`
    would (each related object built from the same row).

    `build(**arguments)` returns the filtered queryset of `model` (no `.values()`); `related`
    names the foreign keys to follow, as paths, each after its parent (`"registered_by"`,
    then `"registered_by__organisation"`).
    """

    def __init__(self, model, build: Callable[..., QuerySet], related=(), **samples):
        self.model = model
        self.related = [_related_path(model, path) for path in related]
        names = [f.attname for f in model._meta.concrete_fields]
        for path, _fields, related_model in self.related:
            names += [f"{path}__{f.attname}" for f in related_model._meta.concrete_fields]
        self.query = PreparedQuery(lambda **kw: build(**kw).values(*names), **samples)

    def __call__(self, **values) -> list:
        objects = []
        alias = router.db_for_read(self.model)
        for row in self.query(**values):
            obj = _from_row(self.model, alias, row, "")
            for path, fields, related_model in self.related:
                parent = obj
                for field in fields[:-1]:
                    parent = field.get_cached_value(parent)
                related = _from_row(related_model, alias, row, f"{path}__")
                fields[-1].set_cached_value(parent, related)  # None for an empty key
            objects.append(obj)
        return objects


def _related_path(model, path: str):
    fields, current = [], model
    for name in path.split("__"):
        field = current._meta.get_field(name)
        if not field.many_to_one and not field.one_to_one:
            raise ImproperlyConfigured(f"{path}: only foreign keys can be followed.")
        fields.append(field)
        current = field.related_model
    return path, fields, current


def _from_row(model, alias, row: dict, prefix: str):
    attnames = [f.attname for f in model._meta.concrete_fields]
    if row[prefix + model._meta.pk.attname] is None:  # a foreign key that is empty
        return None
    return model.from_db(alias, attnames, [row[prefix + a] for a in attnames])
