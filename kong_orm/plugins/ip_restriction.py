"""ip-restriction: allow or deny client addresses (IPv4 addresses and CIDR blocks).

Entries are checked as Kong 0.8's address parser did, with its messages: four
decimal octets up to 255, an optional prefix from 1 to 32 (``/0`` is refused,
as the gateway could not load it), no IPv6. The lower-case "you" of the two
list messages is Kong's.
"""
from kong_orm.plugins.checks import ipv4_cidrs, one_list_of
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

PLUGIN = Plugin(
    name="ip-restriction",
    config=Schema(
        fields=(
            Field("whitelist", Kind.ARRAY, check=ipv4_cidrs),
            Field("blacklist", Kind.ARRAY, check=ipv4_cidrs),
        ),
        checks=(
            one_list_of(
                "whitelist",
                "blacklist",
                both="you cannot set both a whitelist and a blacklist",
                neither="you must set at least a whitelist or blacklist",
            ),
        ),
    ),
)
