"""Prop diffs: field-by-field changes between stored and desired props (pure)."""

from __future__ import annotations

import copy

from overcast.deploy.diffs import ABSENT, Change, diff_props


def test_diff_props_nested_keys_and_absent_values():
    old = {"memory": 128, "environment": {"COLOUR": "blue", "OLD": "x"}, "concurrency": None}
    new = {"memory": 256, "environment": {"COLOUR": "red", "NEW": "y"}, "concurrency": None}
    assert diff_props(old, new) == [
        Change("environment.COLOUR", "blue", "red"),
        Change("environment.NEW", ABSENT, "y"),
        Change("environment.OLD", "x", ABSENT),
        Change("memory", 128, 256),
    ]
    assert diff_props({"environment": {}}, {}) == []
    assert diff_props({"concurrency": None}, {"concurrency": 0}) == [Change("concurrency", None, 0)]
    assert copy.deepcopy(ABSENT) is ABSENT
