"""The one registry of limits.

Every limit overcast enforces is declared once, in this package's modules by domain
(functions, streams, queues, sources, realtime): its value, whether it is
hard (fixed by design or by AWS compatibility) or soft (a platform setting you
may raise), its scope and the AWS limit it mirrors. Enforcement code reads the
value from here; an over-limit error names the limit and its value and, for a
soft limit, how to raise it. ``overcast limits`` prints this table.

Soft limits are raised per platform with ``--limit NAME=VALUE`` on
``overcast dev`` / ``overcast node``; the supervisor hands the overrides to its
children in ``OVERCAST_LIMIT_OVERRIDES`` (JSON), so every process agrees.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace

from overcast.limits.functions import FUNCTIONS
from overcast.limits.model import KB, MB, Limit
from overcast.limits.queues import QUEUES
from overcast.limits.realtime import REALTIME
from overcast.limits.sources import SOURCES
from overcast.limits.streams import STREAMS

__all__ = ["KB", "LIMITS", "MB", "OVERRIDES_ENV", "Limit", "Registry", "configure", "parse_override"]

OVERRIDES_ENV = "OVERCAST_LIMIT_OVERRIDES"

# Every declared limit, domain by domain, in the order they were declared (Registry.all() sorts by name).
_DECLARED: tuple[Limit, ...] = FUNCTIONS + STREAMS + QUEUES + SOURCES + REALTIME


class Registry:
    """All limits by name, with soft overrides applied."""

    def __init__(self, declared: tuple[Limit, ...], overrides: dict[str, int] | None = None) -> None:
        self._limits = {lim.name: lim for lim in declared}
        for name, value in (overrides or {}).items():
            self.override(name, value)

    def override(self, name: str, value: int) -> None:
        lim = self.get(name)
        if lim.kind != "soft":
            raise ValueError(f"limit {name} is hard ({lim.shown()}) and cannot be changed")
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"limit {name} needs a positive integer, got {value!r}")
        self._limits[name] = replace(lim, value=value)
        if name == "lambda.account_concurrency":
            fc = self._limits["lambda.function_concurrency"]
            self._limits[fc.name] = replace(fc, value=value)

    def get(self, name: str) -> Limit:
        try:
            return self._limits[name]
        except KeyError:
            known = ", ".join(sorted(self._limits))
            raise KeyError(f"no limit named {name!r}; known limits: {known}") from None

    def __getitem__(self, name: str) -> Limit:
        return self.get(name)

    def all(self) -> list[Limit]:
        return sorted(self._limits.values(), key=lambda lim: lim.name)

    def overrides(self) -> dict[str, int]:
        base = {lim.name: lim.value for lim in _DECLARED}
        return {lim.name: lim.value for lim in self.all() if lim.kind == "soft" and base[lim.name] != lim.value}


def parse_override(text: str) -> tuple[str, int]:
    """Parse ``NAME=VALUE`` from the command line."""
    name, sep, value = text.partition("=")
    if not sep or not value.strip().isdigit():
        raise ValueError(f"--limit wants NAME=INTEGER, got {text!r}")
    return name.strip(), int(value)


def _from_environment() -> Registry:
    raw = os.environ.get(OVERRIDES_ENV)
    return Registry(_DECLARED, json.loads(raw) if raw else None)


LIMITS = _from_environment()


def configure(overrides: dict[str, int]) -> Registry:
    """Apply soft-limit overrides in this process and export them to children."""
    global LIMITS
    LIMITS = Registry(_DECLARED, overrides)
    if overrides:
        os.environ[OVERRIDES_ENV] = json.dumps(LIMITS.overrides())
    else:
        os.environ.pop(OVERRIDES_ENV, None)
    return LIMITS
