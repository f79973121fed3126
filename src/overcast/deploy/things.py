"""Things as deploy resources: the ``thing`` kind, and applying its plan actions.

A thing's props are its topic allow-lists; its password is not a prop (state documents are readable by every
platform process and shown in plans): it lives in the things bucket (``overcast.realtime.devices``), made at
the first deploy and kept by updates. The thing name is the device's MQTT username, so it is unique on the
platform: a deploy naming a thing another stack or stage owns is refused. Removing a thing from the stack
deletes its record, and the engine forgets the user.
"""

from __future__ import annotations

from nats.aio.client import Client

from overcast.deploy.resources import Kind, Resource, register_kind, resource_id
from overcast.spec.thinggroups import things_of

THING = register_kind(Kind("thing"))


def thing_resources(spec) -> dict[str, Resource]:
    """The thing resources of a validated ``StackSpec``: its things and its groups' members, one each, with
    ``${thing}`` substituted (``overcast.spec.thinggroups.things_of``)."""
    out = {}
    for name, thing in things_of(spec).items():
        rid = resource_id(THING.name, name)
        out[rid] = Resource(rid, THING.name, {"publish": list(thing.publish), "subscribe": list(thing.subscribe)})
    return out


async def check_owners(nc: Client, resources: dict[str, Resource], owner: str) -> list[str]:
    """Refusals for things whose name (MQTT username) another stack or stage already uses."""
    from overcast.realtime.devices import all_things

    wanted = {res.name for res in resources.values() if res.kind == THING.name}
    if not wanted:
        return []
    out = []
    for thing in sorted(await all_things(nc), key=lambda t: t.name):
        if thing.name in wanted and thing.owner != owner:
            out.append(f"thing '{thing.name}' already exists and belongs to {thing.owner} "
                       "(a thing name is an MQTT username: unique on the platform)")
    return out


async def apply_actions(nc: Client, actions, desired: dict[str, Resource], current: dict[str, dict],
                        owner: str) -> list[str]:
    """Write or delete thing records as the plan says; returns what was done.

    Unchanged things are written again only when their record is missing (a wiped bucket), so a
    password never changes while its thing stays deployed."""
    from overcast.realtime.devices import delete_thing, find_thing, put_thing

    stage, _, stack = owner.partition(".")
    done = []
    for action in sorted((a for a in actions if a.kind == THING.name), key=lambda a: a.id):
        name = action.id.partition(":")[2]
        if action.action in ("create", "update", "replace", "no-change"):
            if action.action == "no-change" and await find_thing(nc, name, stage, stack):
                continue
            props = desired[action.id].props
            await put_thing(nc, stage, stack, name, props["publish"], props["subscribe"])
            done.append(f"{'updated' if action.action == 'update' else 'created'} thing {name}")
        elif action.action == "delete":
            if await delete_thing(nc, stage, stack, name):
                done.append(f"deleted thing {name} (its credentials no longer connect)")
    return done
