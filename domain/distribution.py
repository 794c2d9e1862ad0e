"""Distribution keys (the BDuR-systematiek) and the division of an amount over regions.

A key is data, never code: its method, its maatstaven and their weights, the fixed amount and
every region's values are the fields of a ``distribution_key_recorded`` event, with its source
(log format, revision 2). This module checks those fields and divides with them, in exact
arithmetic: every number is read from decimal text into a ``Fraction``, never a float.

- ``formula`` (Besluit veiligheidsregio's, art. 8.1 and Bijlage 2): region r's base is
  ``fixed + sum(weights[m] * value(r, m))``; its share is its base over the sum of all bases.
- ``shares``: region r's base is its given ``weight``.

The division of an amount gives each region the floor of its exact share; the euros left go one
each to the regions with the largest remainders (ties: the larger base, then the region id).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any, NamedTuple

from akkoord.i18n import _
from akkoord.domain.errors import Refusal

FORMULA, SHARES = "formula", "shares"
METHODS = (FORMULA, SHARES)
# The fields of a region that are not maatstaven.
REGION_FIELDS = ("id", "name")
SHARE_FIELD = "weight"
MAATSTAF = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# A decimal mark is '.' or ',' (Dutch); thousands are never grouped.
NUMBER = re.compile(r"^([+-]?)(\d+)(?:[.,](\d+))?$")

Number = int | str
"""A number as a key holds it: an int when whole, else its decimal text ("12.5")."""


def exact(value: Number) -> Fraction:
    """The exact value of a number as a key holds it (see ``read_number``)."""
    return Fraction(value)


def read_number(name: str, value: Any, *, negative: bool = False) -> Number:
    """A whole number or decimal text, exactly, as the key stores it: an int when whole, else
    the shortest decimal text with a '.' ("12.50" and "12,5" are "12.5").

    Floats are refused: a float is not the number its writer wrote.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise Refusal(_('{name} must be a whole number or decimal text such as "12.5", not '
                        "{value!r}").format(name=name, value=value))
    if isinstance(value, int):
        number = Fraction(value)
    else:
        match = NUMBER.match(value.strip()) if isinstance(value, str) else None
        if match is None:
            raise Refusal(_("{name} {value!r} is not a number (digits with at most one decimal "
                            "mark, no thousands separators)").format(name=name, value=value))
        sign, whole, decimals = match.groups()
        number = Fraction(f"{sign}{whole}.{decimals or 0}")
    if number < 0 and not negative:
        raise Refusal(_("{name} must not be negative, not {value!r}")
                      .format(name=name, value=value))
    return number_text(number)


def number_text(number: Fraction) -> Number:
    """A finite decimal as a key stores it (an int when whole)."""
    if number.denominator == 1:
        return int(number)
    sign = "-" if number < 0 else ""
    number = abs(number)
    digits = 0
    while (number * 10 ** digits).denominator != 1:
        digits += 1
    scaled = int(number * 10 ** digits)
    whole, fraction = divmod(scaled, 10 ** digits)
    return f"{sign}{whole}.{fraction:0{digits}d}"


class Region(NamedTuple):
    id: str
    name: str
    base: Fraction


class Key(NamedTuple):
    """A recorded key, as the views give it back: the event's own fields and where it came from.
    (Tuples, not dataclasses: ``status`` and ``proposal`` divide by keys, and start without
    loading ``dataclasses``.)"""

    id: str
    method: str
    title: str
    regions: tuple[Mapping[str, Any], ...]
    weights: Mapping[str, Number] | None
    fixed: int | None

    def bases(self) -> tuple[Region, ...]:
        """Each region's base, in the key's order of regions."""
        return tuple(Region(r["id"], r["name"], base_of(self.method, r, self.weights, self.fixed))
                     for r in self.regions)


def base_of(method: str, region: Mapping[str, Any], weights: Mapping[str, Number] | None,
            fixed: int | None) -> Fraction:
    if method == SHARES:
        return exact(region[SHARE_FIELD])
    return Fraction(fixed or 0) + sum(
        (exact(weight) * exact(region[maatstaf]) for maatstaf, weight in (weights or {}).items()),
        Fraction(0))


def checked_key(method: Any, regions: Iterable[Any], weights: Any,
                fixed: Any) -> dict[str, Any]:
    """The key's fields as the event stores them (numbers exact, see ``read_number``), or the
    refusal of the log format (revision 2): an unknown method, fewer than two regions, a region
    id that repeats, a region missing a maatstaf of ``weights``, a base that is zero or
    negative, a ``shares`` weight that is zero or negative."""
    if method not in METHODS:
        raise Refusal(_("method must be formula or shares, not {method!r}").format(method=method))
    regions = list(regions)
    if len(regions) < 2:
        raise Refusal(_("a key divides over at least 2 regions, not {count}")
                      .format(count=len(regions)))
    if method == FORMULA:
        if weights is None:
            raise Refusal(_("weights (maatstaf: euros per unit) is required for method formula"))
        if fixed is None:
            raise Refusal(_("fixed (the amount every region gets first) is required for method "
                            "formula; write 0 for none"))
        weights, fixed = _checked_weights(weights), _checked_fixed(fixed)
    else:
        for name, given in (("weights", weights), ("fixed", fixed)):
            if given is not None:
                raise Refusal(_("{name} goes with method formula, not shares").format(name=name))
    stored, seen = [], set()
    for index, region in enumerate(regions):
        region = _checked_region(f"regions[{index}]", region, method, weights)
        if region["id"] in seen:
            raise Refusal(_("region id {region!r} repeats in the key").format(region=region['id']))
        seen.add(region["id"])
        base = base_of(method, region, weights, fixed)
        if base <= 0:
            if method == SHARES:
                raise Refusal(_("region {region!r}: its weight must be positive")
                              .format(region=region["id"]))
            raise Refusal(_("region {region!r}: its base (fixed + weighted maatstaven) {base} "
                            "must be positive").format(region=region["id"], base=base))
        stored.append(region)
    return {"method": method, "regions": tuple(stored), "weights": weights, "fixed": fixed}


def _checked_weights(weights: Any) -> dict[str, Number]:
    if not isinstance(weights, Mapping) or not weights:
        raise Refusal(_("weights must map each maatstaf to euros per unit, not {weights!r}")
                      .format(weights=weights))
    checked = {}
    for maatstaf, weight in weights.items():
        if not isinstance(maatstaf, str) or not MAATSTAF.match(maatstaf) \
                or maatstaf in (*REGION_FIELDS, SHARE_FIELD):
            raise Refusal(_("weights: {maatstaf!r} cannot name a maatstaf (letters, digits, '_', "
                            "'.', '-'; not id, name or weight)").format(maatstaf=maatstaf))
        checked[str(maatstaf)] = read_number(f"weights.{maatstaf}", weight, negative=True)
    return checked


def _checked_fixed(fixed: Any) -> int:
    if isinstance(fixed, bool) or not isinstance(fixed, int) or fixed < 0:
        raise Refusal(_("fixed must be whole euros, 0 or more, not {fixed!r}").format(fixed=fixed))
    return int(fixed)


def _checked_region(name: str, region: Any, method: str,
                    weights: Mapping[str, Number] | None) -> dict[str, Any]:
    if not isinstance(region, Mapping):
        raise Refusal(_("{name} must be a mapping with id and name, not {region!r}")
                      .format(name=name, region=region))
    checked: dict[str, Any] = {}
    for field in REGION_FIELDS:
        value = region.get(field)
        if not isinstance(value, str) or not value.strip():
            raise Refusal(_("{name}: {field} must be non-empty text, not {value!r}")
                          .format(name=name, field=field, value=value))
        checked[field] = str(value)
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", checked["id"]):
        raise Refusal(_("{name}: id {checked!r} is not a slug (letters, digits, '.', '_', '-')")
                      .format(name=name, checked=checked['id']))
    name = f"region {checked['id']!r}"
    wanted = (SHARE_FIELD,) if method == SHARES else tuple(weights or ())
    for field in wanted:
        if region.get(field) is None:
            if method == SHARES:
                raise Refusal(_("{name} is missing its weight").format(name=name))
            raise Refusal(_("{name} is missing maatstaf {field!r} of weights")
                          .format(name=name, field=field))
        checked[field] = read_number(f"{name}: {field}", region[field])
    extra = sorted(set(region) - set(REGION_FIELDS) - set(wanted))
    if extra:
        if method == FORMULA:
            raise Refusal(_("{name}: {field!r} is not a maatstaf of weights")
                          .format(name=name, field=extra[0]))
        raise Refusal(_("{name}: unknown field {field!r}").format(name=name, field=extra[0]))
    return checked


# -- the division ----------------------------------------------------------------------------


def shares(regions: Iterable[Region]) -> dict[str, Fraction]:
    """Each region's exact share: its base over the sum of all bases."""
    regions = list(regions)
    total = sum((r.base for r in regions), Fraction(0))
    return {r.id: r.base / total for r in regions}


def divide(amount: int, regions: Iterable[Region]) -> dict[str, int]:
    """``amount`` in whole euros over the regions, summing to it exactly (largest remainders)."""
    regions = list(regions)
    total = sum((r.base for r in regions), Fraction(0))
    floors, remainders = {}, []
    for region in regions:
        whole, remainder = divmod(amount * region.base, total)
        floors[region.id] = int(whole)
        remainders.append((remainder, region))
    left = amount - sum(floors.values())
    # Largest remainder first; ties: the larger base, then the region id in order.
    remainders.sort(key=lambda pair: (-pair[0], -pair[1].base, pair[1].id))
    for _remainder, region in remainders[:left]:
        floors[region.id] += 1
    return floors


def share_text(share: Fraction) -> str:
    """The exact share as cli.md writes it: ``p/q`` in lowest terms."""
    return f"{share.numerator}/{share.denominator}"
