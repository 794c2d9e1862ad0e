"""The fields of each event type, read from the event classes themselves.

An event class is the one place where an event type's fields are declared; the domain checks
values against it here, and the import format reads its field list from the same declaration.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any

from akkoord.i18n import _
from akkoord.domain.errors import Refusal
from akkoord.domain.values import Euros, require_euros, require_storable

SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

# Fields that every event has; they are not part of an event type's own schema.
LIBRARY_FIELDS = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})
COMMON_FIELDS = ("date", "recorded_by", "ref", "source", "note", "origin")
# What the common fields a log file may give mean (the spec's table "Fields every event has").
COMMON_HELP = {
    "date": "the date (YYYY-MM-DD) on which it happened in the real world: the effective date",
    "ref": "a slug that names this event, unique in the dossier, so later events can point at it",
    "source": "where the fact was read: {document, section, page, classification}",
    "note": "free text",
}
GIVEN_COMMON_FIELDS = frozenset(COMMON_HELP)


def declared(help: str, *, refers: str | None = None, one_or_many: bool = False,
             implied: bool = False) -> Any:
    """A field of an event type: what it means (one line, for ``--help`` and the docs: marked
    with ``N_()`` where it is declared, so ``FieldSpec.help`` holds the catalog's msgid, to be
    translated with ``_()`` where it is shown), and,
    for a field naming something of the dossier, the kind it ``refers`` to (``stakeholder``,
    ``claim``, ``commitment``, ``meeting``, ``revision``): the dossier checks that it stands, and
    that it was not dated after the event that names it."""
    return dataclasses.field(metadata={"help": help, "refers": refers,
                                       "one_or_many": one_or_many, "implied": implied})


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: Any
    required: bool
    one_or_many: bool = False
    implied: bool = False
    help: str = ""
    refers: str | None = None

    @property
    def empty(self) -> Any:
        """What an optional field holds when the record leaves it out."""
        return () if item_type_of(self.type) is not None else None


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0], False
    return annotation, True


@cache
def type_hints(owner: type) -> dict[str, Any]:
    """``typing.get_type_hints`` of a class, worked out once, each annotation's text evaluated
    once per module: ``get_type_hints`` compiles the text of every annotation of the class and
    of its bases (a dozen for an event class, the same few texts for all two dozen), which cost
    an import a twentieth of its start."""
    hints: dict[str, Any] = {}
    try:
        for cls in reversed(owner.__mro__):
            module = cls.__module__
            for name, annotation in cls.__dict__.get("__annotations__", {}).items():
                hints[name] = (_evaluated(module, annotation) if isinstance(annotation, str)
                               else annotation)
    except NameError:  # a name of the class's own namespace, which get_type_hints looks in too
        return typing.get_type_hints(owner)
    return hints


@cache
def _evaluated(module: str, annotation: str) -> Any:
    """An annotation's text, evaluated as ``get_type_hints`` does, in its module's names."""
    value = eval(annotation, vars(sys.modules[module]))  # noqa: S307 - the code's own annotations
    return type(None) if value is None else value


@cache
def fields_of(event_class: type) -> tuple[FieldSpec, ...]:
    """The event type's own fields, in declaration order."""
    hints = type_hints(event_class)
    specs = []
    for field in dataclasses.fields(event_class):
        if field.name in LIBRARY_FIELDS or field.name in COMMON_FIELDS:
            continue
        annotation, required = _strip_optional(hints[field.name])
        specs.append(
            FieldSpec(
                field.name,
                annotation,
                required,
                one_or_many=field.metadata.get("one_or_many", False),
                implied=field.metadata.get("implied", False),
                help=field.metadata.get("help", ""),
                refers=field.metadata.get("refers"),
            )
        )
    return tuple(specs)


@cache
def item_type_of(expected: Any) -> Any:
    """The item type of ``tuple[X, ...]``, else None (looked up once per type: it is hot)."""
    if typing.get_origin(expected) is tuple:
        return typing.get_args(expected)[0]
    return None


def check_value(name: str, value: Any, expected: Any) -> None:
    """Refuses a value that is not of the declared type (after the format has read it)."""
    if expected is str and type(value) is str and value.strip():
        return  # the common case first
    item_type = item_type_of(expected)
    if item_type is not None:
        if not isinstance(value, (tuple, list)):
            raise Refusal(_("{name} must be a list, not {value!r}").format(name=name, value=value))
        if item_type is str and all(type(item) is str and item.strip() for item in value):
            return
        for index, item in enumerate(value):
            check_value(f"{name}[{index}]", item, item_type)
        return
    if expected is Euros:
        require_euros(value, name)
    elif expected is str:
        if not isinstance(value, str) or not value.strip():
            raise Refusal(_("{name} must be non-empty text, not {value!r}")
                          .format(name=name, value=value))
    elif expected is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Refusal(_("{name} must be a whole number, not {value!r}")
                          .format(name=name, value=value))
        require_storable(name, value)
    elif expected is date:
        if isinstance(value, datetime) or not isinstance(value, date):
            raise Refusal(_("{name} must be a date (YYYY-MM-DD), not {value!r}")
                          .format(name=name, value=value))
    elif isinstance(expected, type) and issubclass(expected, Enum):
        if not isinstance(value, expected):
            choices = ", ".join(member.value for member in expected)
            raise Refusal(_("{name} must be one of {choices}, not {value!r}")
                          .format(name=name, choices=choices, value=value))
    elif isinstance(expected, type) and not isinstance(value, expected):
        raise Refusal(_("{name} must be a {kind}, not {value!r}")
                      .format(name=name, kind=expected.__name__, value=value))


@cache
def field_names_of(event_class: type, *, readable: bool = False) -> frozenset[str]:
    """The names of the event type's own fields (``readable``: those a log file may give)."""
    return frozenset(spec.name for spec in fields_of(event_class)
                     if not (readable and spec.implied))


TEXT, TEXTS = object(), object()  # marks of the two field types most values have


@cache
def _checks_of(event_class: type) -> tuple[tuple[str, bool, Any, bool], ...]:
    """(name, required, type, exact) of each field, with ``str`` and ``tuple[str, ...]`` marked
    so that ``check_fields`` settles the common values without a call per value (it runs for
    every event recorded); ``exact``: a value of exactly that type passes ``check_value``
    (a date, an enum, a value object: types it checks by ``isinstance`` alone)."""
    marks = {str: TEXT, tuple[str, ...]: TEXTS}
    return tuple((spec.name, spec.required, marks.get(spec.type, spec.type),
                  _checked_by_type_alone(spec.type)) for spec in fields_of(event_class))


def _checked_by_type_alone(expected: Any) -> bool:
    return (isinstance(expected, type) and expected not in (str, int, dict)
            and item_type_of(expected) is None)


@cache
def _given_names(event_class: type) -> frozenset[str]:
    """The names ``check_fields`` takes: the type's own fields and the common ones a log file
    gives."""
    return field_names_of(event_class) | GIVEN_COMMON_FIELDS


def check_fields(event_type: str, event_class: type, fields: Mapping[str, Any]) -> None:
    """Refuses the event's own fields if one is unknown, missing or not of its type. ``fields``
    may hold the common fields a log file gives besides (the dossier checks those)."""
    known = _given_names(event_class)
    if not known.issuperset(fields):
        raise Refusal(_("unknown field {field!r} for {event_type}").format(
                          field=sorted(set(fields) - known)[0], event_type=event_type))
    for name, required, expected, exact in _checks_of(event_class):
        value = fields.get(name)
        if expected is TEXT:
            if type(value) is str and value.strip():
                continue
            expected = str
        elif expected is TEXTS:
            if type(value) is tuple:
                for item in value:  # (a loop, not all() of a generator)
                    if type(item) is not str or not item.strip():
                        break
                else:
                    continue
            expected = tuple[str, ...]
        elif exact and type(value) is expected:
            continue
        if value is None or value == ():
            if required and value is None:
                raise Refusal(_("missing required field {name!r}").format(name=name))
            continue
        check_value(name, value, expected)


def check_slug(name: str, value: str) -> None:
    if not SLUG.match(value):
        raise Refusal(_("{name} {value!r} is not a slug (letters, digits, '.', '_', '-')")
                      .format(name=name, value=value))


# -- the view rows an event fills -------------------------------------------------------------
#
# Plain data the projections turn into SQL (``INSERT … SELECT``): the domain says which facts an
# event establishes in the read models, and keeps no knowledge of tables' SQL or stored notation.

EVENT_TYPE = "@type"  # a column holding the event's type
AGGREGATE = "@aggregate"  # a column holding the dossier's aggregate id
ELEMENT_INDEX = "@index"  # a column holding the element's index in the list ``each`` walks


@dataclass(frozen=True)
class Row:
    """A row the event fills in a view table: each column's source is a field of the event
    (``id``), a field of each element of the list field ``each`` (``each.recipient``), or one of
    the marks above. ``when_empty``: constant columns of the one row an empty ``each`` list still
    fills. ``negotiation``: the field naming the dossier, for the event that opens it."""

    table: str
    columns: tuple[tuple[str, str], ...]
    each: str | None = None
    when_empty: tuple[tuple[str, Any], ...] | None = None
    negotiation: str | None = None


def row(table: str, *, each: str | None = None, when_empty: dict[str, Any] | None = None,
        negotiation: str | None = None, **columns: str) -> Row:
    return Row(table, tuple(columns.items()), each,
               None if when_empty is None else tuple(when_empty.items()), negotiation)
