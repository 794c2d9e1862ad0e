"""``akkoord record TYPE --FIELD VALUE…``: one event, without writing a file.

The options of each event type are generated from its declaration (the event class's fields,
``akkoord.domain.schema.fields_of``). The values are put into the record a log file would hold
and read by the log format's own reader (``entry_from_record``), so an amount, a date or an
enum is read exactly as in a file, and the event is decided as a one-event file would be.

Fields whose values are records themselves (the budget lines of ``negotiation_opened`` and
``budget_changed``, the items of ``proposal_revised``) take one mapping per option, written in
YAML or JSON as in a file: ``--budget '{party: RIJK, from: 2027, amount: 70M}'``.
"""

from __future__ import annotations

import argparse
import textwrap
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Any

from akkoord.cli.options import whole_number
from akkoord.cli.render import print_json, terminal_width
from akkoord.cli.session import Session, UsageError, actor, add_command
from akkoord.i18n import _

if TYPE_CHECKING:
    from akkoord.domain.schema import FieldSpec

# The domain's declarations (domain.schema, domain.values) are loaded only when ``record`` is
# named: every command registers this module's parser.

SOURCE_PARTS = ("document", "section", "page", "classification")
# What a mapping option holds, as the log format names its keys (where the field's own
# explanation does not say).
MAPPING_KEYS = {
    "BudgetLine": "party, purpose, amount, and year or from/until",
    "ProposalItem": "id, purpose, recipient, amounts (a list of {amount, year or from/until}), "
                    "distribution, conditions",
}


def _mapping_keys(value_type: Any) -> str | None:
    """What a mapping value holds (a value object of the domain), or None for another type."""
    return MAPPING_KEYS.get(getattr(value_type, "__name__", ""))


def register(subparsers: Any, shared: dict[str, Any]) -> None:
    store = shared["store"]
    summary = _("record one event without writing a file")
    argv = shared.get("argv")
    if argv is not None and "record" not in argv:
        # The event declarations (and the library under them) are loaded only for a record.
        add_command(subparsers, "record", run_record, summary, [store])
        return
    from akkoord.domain.negotiation import EVENT_TYPES
    from akkoord.domain.schema import fields_of

    listing = "\n".join(type_line(event_type, meaning_of(event_class))
                        for event_type, event_class in EVENT_TYPES.items())
    intro = textwrap.fill(_("Record one event in a dossier, decided exactly as a log file holding "
                            "only that event would be. The event types:"), terminal_width() or 80)
    parser = add_command(
        subparsers, "record", run_record, summary, [store],
        description=_("{intro}\n\n{listing}\n\n"
                      "akkoord record TYPE --help explains the fields of a type.")
        .format(intro=intro, listing=listing))
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    types = parser.add_subparsers(dest="event_type", metavar="TYPE", required=True)
    common = common_options()
    for event_type, event_class in EVENT_TYPES.items():
        # No help= here: the description above lists the types with their meaning once.
        type_parser = types.add_parser(event_type, parents=[store, common],
                                       description=meaning_of(event_class))
        fields = type_parser.add_argument_group(_("the fields of {type}").format(type=event_type))
        for spec in fields_of(event_class):
            if not spec.implied:
                add_field_option(fields, spec)


def common_options() -> argparse.ArgumentParser:
    """What every event has besides its type's own fields (and --json)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--negotiation", metavar="SLUG", required=True,
                        help=_("the dossier to record in"))
    parser.add_argument("--date", metavar="DATE",
                        help=_("the effective date of the event, YYYY-MM-DD (required)"))
    parser.add_argument("--ref", metavar="REF",
                        help=_("a name for this event, by which a later event_retracted can name it"))
    parser.add_argument("--note", metavar="TEXT", help=_("a remark kept with the event"))
    for part in SOURCE_PARTS:
        parser.add_argument(f"--source-{part}", dest=f"source_{part}", metavar="TEXT",
                            help=_("the {part} of the source the event was taken from")
                            .format(part=part))
    parser.add_argument("--json", action="store_true", help=_("machine-readable output"))
    return parser


def type_line(event_type: str, meaning: str) -> str:
    """One line of the list of types (wrapped under itself to the terminal's width)."""
    width = max(terminal_width() or 80, 60)
    return textwrap.fill(meaning, width, initial_indent=f"  {event_type:<26} ",
                         subsequent_indent=" " * 29)


def meaning_of(event_class: type) -> str:
    """What the event type means, in the chosen language."""
    return _(event_class.meaning())  # type: ignore[attr-defined]


def option_of(spec: FieldSpec) -> str:
    return "--" + spec.name.replace("_", "-")


def add_field_option(group: Any, spec: FieldSpec) -> None:
    from akkoord.domain.schema import item_type_of

    item_type = item_type_of(spec.type)
    value_type = item_type if item_type is not None else spec.type
    options: dict[str, Any] = {"dest": f"field_{spec.name}", "metavar": metavar_of(value_type),
                               "help": help_of(spec, value_type, repeated=item_type is not None)}
    if item_type is not None:
        options["action"] = "append"
    if _mapping_keys(value_type) is not None:
        options["type"] = mapping_value
    elif value_type is int:
        options["type"] = whole_number
    group.add_argument(option_of(spec), **options)


def metavar_of(value_type: Any) -> str:
    from akkoord.domain.values import Euros

    if value_type is date:
        return "DATE"
    if value_type is Euros:
        return "AMOUNT"
    if value_type is int:
        return "N"
    if _mapping_keys(value_type) is not None:
        return "MAPPING"
    if isinstance(value_type, type) and issubclass(value_type, Enum):
        return "{" + ",".join(member.value for member in value_type) + "}"
    return "TEXT"


def help_of(spec: FieldSpec, value_type: Any, repeated: bool) -> str:
    """The field's own explanation where its declaration gives one, and what its value is."""
    declared = getattr(spec, "help", None)  # the catalog's msgid, marked where it is declared
    parts = [_(declared).rstrip(".")] if declared else []
    if not (declared and value_type is str):  # "text" says nothing the explanation does not
        parts.append(value_help(value_type, keys_told=bool(declared)))
    if repeated:
        parts.append(_("repeat the option for each value"))
    parts.append(_("required") if spec.required else _("optional"))
    return "; ".join(parts)


def value_help(value_type: Any, keys_told: bool = False) -> str:
    from akkoord.domain.values import Euros

    if value_type is date:
        return _("a date, YYYY-MM-DD")
    if value_type is Euros:
        return _("an amount: whole euros, or written as in a log file (e.g. 27.7M)")
    if value_type is int:
        return _("a whole number")
    mapping_keys = _mapping_keys(value_type)
    if mapping_keys is not None:
        if keys_told:
            return _("written in YAML or JSON, as in a log file")
        return _("a mapping in YAML or JSON, as in a log file: {keys}").format(keys=mapping_keys)
    if isinstance(value_type, type) and issubclass(value_type, Enum):
        return _("one of {choices}").format(
            choices=", ".join(member.value for member in value_type))
    return _("text")


def mapping_value(text: str) -> Any:
    """A YAML (or JSON) value, read with the log format's own YAML reading."""
    from akkoord.interchange.yaml12 import YAMLRefused, load

    try:
        return load(text)[0]
    except YAMLRefused as error:
        raise argparse.ArgumentTypeError(
            _("{text!r} is not YAML or JSON: {error}").format(
                text=text, error=" ".join(str(error).split()))) from None


def record_of_options(args: Any) -> dict[str, Any]:
    """The record a log file would hold for these options."""
    from akkoord.domain.negotiation import EVENT_TYPES
    from akkoord.domain.schema import fields_of

    record: dict[str, Any] = {"type": args.event_type}
    for name in ("date", "ref", "note"):
        if getattr(args, name) is not None:
            record[name] = getattr(args, name)
    source = {part: getattr(args, f"source_{part}") for part in SOURCE_PARTS
              if getattr(args, f"source_{part}") is not None}
    if source:
        record["source"] = source
    for spec in fields_of(EVENT_TYPES[args.event_type]):
        value = getattr(args, f"field_{spec.name}", None)
        if value is not None:
            record[spec.name] = value
    return record


def run_record(session: Session, args: Any) -> int:
    from eventsourcing.persistence import PersistenceError

    from akkoord.domain.errors import EventRefused, Refusal
    from akkoord.interchange.logformat import entry_from_record
    from akkoord.store.chain import ChainError

    where = f"record {args.event_type}"
    if not args.negotiation.strip():
        raise UsageError(_("{where}: --negotiation (the dossier's slug) is empty").format(where=where))
    try:
        entry = entry_from_record(record_of_options(args))
        positions = session.store.record(args.negotiation, [entry], actor(args))
    except EventRefused as refusal:
        raise UsageError(_("{where}: {reason} (nothing stored)").format(
            where=where, reason=refusal.reason)) from None
    except (Refusal, ChainError) as refusal:
        raise UsageError(_("{where}: {reason} (nothing stored)").format(
            where=where, reason=refusal)) from None
    except PersistenceError as error:  # e.g. a lock held longer than the lock timeout
        raise UsageError(_("{where}: store {store} could not be written: {error}").format(
            where=where, store=session.shown, error=error)) from None
    result = {"negotiation": args.negotiation, "type": args.event_type,
              "position": positions[0] if positions else None}
    if args.json:
        print_json(result)
    else:
        print(_("{type} recorded in {negotiation} at position {position}").format(**result))
    return 0
