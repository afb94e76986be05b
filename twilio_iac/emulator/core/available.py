"""Available-number search, and the IncomingPhoneNumbers subtypes.

The sandbox offers numbers from ranges reserved for fiction, so a search
never names a real subscriber: North American ``NXX-555-01XX``-style lines
(here ``+1 AAA 555 LLLL`` in a few known area codes, or any valid one asked
for), and Ofcom's drama ranges in GB (020 7946 0xxx, 07700 900xxx, 0808 157
0xxx). A number any account owns is not available, and buying one of those
found (POST IncomingPhoneNumbers with its PhoneNumber) takes it off the list.
The magic area code 533 has none, as in Twilio's test-credentials docs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from twilio_iac.apis import CORE

from ..http.actions import ActionCall, register_action
from ..http.handlers import create_record
from ..http.kinds import Kind
from ..http.problems import (
    INVALID_AREA_CODE,
    PHONE_NUMBER_UNAVAILABLE,
    bad_request,
    not_found,
)
from ..store import Store
from .catalog import PHONE_NUMBERS
from .listing import page_of, shown
from .numbers import EMPTY_AREA_CODE, UNAVAILABLE_NUMBER, friendly, number_fields

P = "/2010-04-01/Accounts/{AccountSid}"
S = "api.v2010.account.available_phone_number_country"
TYPES = {"Local": "local", "TollFree": "toll_free", "Mobile": "mobile"}
# The incoming number's "type" field for each subtype path.
NUMBER_TYPES = {"Local": "local", "TollFree": "tollfree", "Mobile": "mobile"}
TOLL_FREE_CODES = ("800", "833", "844", "855", "866", "877", "888")
_AREA_CODE = re.compile(r"^[2-9][0-9]{2}$")
# Letters on a phone keypad, for Contains=STORE-like patterns.
_KEYPAD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "22233344455566677778889999")


@dataclass(frozen=True)
class Block:
    """A range of offered numbers: prefix + 4 digits (GB: 3 digits)."""

    prefix: str
    digits: int
    locality: str | None
    region: str | None


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    blocks: dict[str, tuple[Block, ...]]  # subtype path name → blocks


def _nanp(area: str, city: str | None, region: str | None) -> Block:
    return Block(f"+1{area}555", 4, city, region)


US_LOCAL = (
    _nanp("415", "San Francisco", "CA"),
    _nanp("212", "New York", "NY"),
    _nanp("312", "Chicago", "IL"),
    _nanp("206", "Seattle", "WA"),
    _nanp("512", "Austin", "TX"),
)
NANP_TOLL_FREE = tuple(_nanp(code, None, None) for code in TOLL_FREE_CODES)
COUNTRIES = {
    country.code: country
    for country in (
        Country("US", "United States", {"Local": US_LOCAL, "TollFree": NANP_TOLL_FREE}),
        Country(
            "CA",
            "Canada",
            {
                "Local": (
                    _nanp("604", "Vancouver", "BC"),
                    _nanp("416", "Toronto", "ON"),
                ),
                "TollFree": NANP_TOLL_FREE,
            },
        ),
        Country(
            "GB",
            "United Kingdom",
            {
                "Local": (Block("+4420794600", 2, "London", None),),
                "Mobile": (Block("+447700900", 3, None, None),),
                "TollFree": (Block("+448081570", 3, None, None),),
            },
        ),
    )
}


def _country(call: ActionCall) -> Country:
    country = COUNTRIES.get(call.ids["CountryCode"])
    if country is None:
        raise not_found(call.path)
    return country


def countries(store: Store, call: ActionCall) -> dict[str, Any]:
    return {
        "countries": [_country_body(call, c) for c in COUNTRIES.values()],
        "uri": call.path,
    }


def country(store: Store, call: ActionCall) -> dict[str, Any]:
    return _country_body(call, _country(call))


def _country_body(call: ActionCall, country: Country) -> dict[str, Any]:
    base = f"/2010-04-01/Accounts/{call.account}/AvailablePhoneNumbers/{country.code}"
    return {
        "country_code": country.code,
        "country": country.name,
        "uri": f"{base}.json",
        "beta": False,
        "subresource_uris": {
            TYPES[name]: f"{base}/{name}.json" for name in country.blocks
        },
    }


def _blocks(call: ActionCall, country: Country, subtype: str) -> list[Block]:
    blocks = list(country.blocks.get(subtype, ()))
    area = call.values.get("AreaCode")
    if area is not None:
        area = str(area)  # the description types it as an integer
        if not _AREA_CODE.match(area):
            raise bad_request(INVALID_AREA_CODE, f"AreaCode {area} is not valid")
        if country.code not in ("US", "CA") or area == EMPTY_AREA_CODE:
            return []
        known = [b for b in blocks if b.prefix[2:5] == area]
        local = subtype == "Local" and area not in TOLL_FREE_CODES
        blocks = known or ([_nanp(area, None, None)] if local else [])
    region = call.values.get("InRegion")
    if region is not None:
        blocks = [b for b in blocks if (b.region or "").lower() == region.lower()]
    return blocks


def _contains(pattern: str | None) -> re.Pattern[str] | None:
    """Twilio's Contains: digits, letters (keypad) and ``*`` for any digit."""
    if not pattern:
        return None
    digits = pattern.upper().translate(_KEYPAD)
    return re.compile(re.escape(digits).replace(r"\*", "[0-9]"))


def _offered(store: Store, blocks: list[Block], contains: str | None) -> Iterator:
    owned = store.records(PHONE_NUMBERS.name).values_of("phone_number")
    wanted = _contains(contains)
    for block in blocks:
        for line in range(10**block.digits):
            number = f"{block.prefix}{line:0{block.digits}d}"
            if number in owned or number == UNAVAILABLE_NUMBER:
                continue
            if wanted is None or wanted.search(number[1:]):
                yield block, number


def _available(block: Block, number: str, country: Country, subtype: str) -> dict:
    capabilities = number_fields(number)["capabilities"]
    return {
        "sid": number,  # paging tokens need an identity; not shown
        "friendly_name": friendly(number),
        "phone_number": number,
        "lata": None,
        "locality": block.locality,
        "rate_center": block.locality.upper() if block.locality else None,
        "latitude": None,
        "longitude": None,
        "region": block.region,
        "postal_code": None,
        "iso_country": country.code,
        "address_requirements": "none",
        "beta": False,
        "capabilities": {**capabilities, "mms": subtype != "TollFree"},
    }


def search(subtype: str):  # noqa: ANN201 (a closure per subtype)
    schema = f"{S}.available_phone_number_{TYPES[subtype]}"
    kind = Kind(
        name=f"available_{TYPES[subtype]}",
        api=CORE,
        collection=f"{P}/AvailablePhoneNumbers/{{CountryCode}}/{subtype}.json",
        instance=f"{P}/AvailablePhoneNumbers/{{CountryCode}}/{subtype}/{{Sid}}.json",
        list_key="available_phone_numbers",
        prefix="",
        schema=schema,
    )

    def handle(store: Store, call: ActionCall) -> dict[str, Any]:
        country = _country(call)
        # Enough for any page a client asks for; a search never lists all.
        size = (call.values.get("PageSize") or 50) * (
            (call.values.get("Page") or 0) + 1
        )
        found = []
        offered = _offered(
            store, _blocks(call, country, subtype), call.values.get("Contains")
        )
        for block, number in offered:
            found.append(_available(block, number, country, subtype))
            if len(found) > size:
                break
        return page_of(kind, call, found)

    return handle


def subtype_list(subtype: str):  # noqa: ANN201 (a closure per subtype)
    kind = _subtype_kind(subtype)

    def handle(store: Store, call: ActionCall) -> dict[str, Any]:
        mine = [
            r
            for r in store.records(PHONE_NUMBERS.name).values()
            if r["account_sid"] == call.account and r["type"] == NUMBER_TYPES[subtype]
        ]
        for param, field in PHONE_NUMBERS.filters.items():
            if call.values.get(param) is not None:
                mine = [r for r in mine if r[field] == call.values[param]]
        return page_of(kind, call, mine)

    return handle


def subtype_create(subtype: str):  # noqa: ANN201 (a closure per subtype)
    kind = _subtype_kind(subtype)

    def handle(store: Store, call: ActionCall) -> dict[str, Any]:
        number = call.values["PhoneNumber"]
        if number_fields(number)["type"] != NUMBER_TYPES[subtype]:
            raise bad_request(
                PHONE_NUMBER_UNAVAILABLE,
                f"PhoneNumber {number} is not a {subtype} number",
            )
        values = dict(call.values)
        record = create_record(PHONE_NUMBERS, store, values, call.now, call.account)
        return shown(kind, record)

    return handle


def _subtype_kind(subtype: str) -> Kind:
    leaf = TYPES[subtype]
    return Kind(
        name=f"incoming_{leaf}",
        api=CORE,
        collection=f"{P}/IncomingPhoneNumbers/{subtype}.json",
        instance=f"{P}/IncomingPhoneNumbers/{subtype}/{{Sid}}.json",
        list_key="incoming_phone_numbers",
        prefix="PN",
        schema=f"api.v2010.account.incoming_phone_number.incoming_phone_number_{leaf}",
    )


register_action("GET", f"{P}/AvailablePhoneNumbers.json", countries)
register_action("GET", f"{P}/AvailablePhoneNumbers/{{CountryCode}}.json", country)
for _subtype in TYPES:
    register_action(
        "GET",
        f"{P}/AvailablePhoneNumbers/{{CountryCode}}/{_subtype}.json",
        search(_subtype),
    )
    register_action(
        "GET", f"{P}/IncomingPhoneNumbers/{_subtype}.json", subtype_list(_subtype)
    )
    register_action(
        "POST", f"{P}/IncomingPhoneNumbers/{_subtype}.json", subtype_create(_subtype)
    )
