"""Queue owners running in this process, so a client next to one skips the trip through the engine.

The dispatcher that owns a queue also runs the mappings that receive from it; their receive and
delete requests go straight to the owner object (the same ``answer`` the control subjects get), which
saves two engine hops per request. Keyed by connection too: an owner answers only for clients of its
own connection (tests run several services in one process).
"""

from __future__ import annotations

_OWNERS: dict[tuple[int, str], object] = {}


def register(nc, name: str, owner) -> None:
    _OWNERS[(id(nc), name)] = owner


def unregister(nc, name: str, owner) -> None:
    if _OWNERS.get((id(nc), name)) is owner:
        del _OWNERS[(id(nc), name)]


def owner(nc, name: str):
    """The owner of ``name`` in this process on connection ``nc``, or None."""
    return _OWNERS.get((id(nc), name))
