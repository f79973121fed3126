"""Which versions are served and how qualifiers resolve; the staged switch document (pure)."""

from __future__ import annotations

import pytest

from overcast.deploy import versions
from overcast.deploy.switch import NEXT, PREV, staged

STATE = {"versions": {"f": 3, "g": 1}, "aliases": {"f": {"live": 3, "stable": 1}, "g": {"live": 1}}}


def test_served_versions_are_alias_targets_and_the_newest():
    assert versions.served(STATE, "f") == {1, 3}
    assert versions.served({"versions": {"f": 4}, "aliases": {"f": {"live": 3}}}, "f") == {3, 4}
    assert versions.served({"versions": {}}, "f") == set()


def test_qualifiers_resolve_to_subject_tokens():
    assert versions.resolve(STATE, "f", None) == "3"
    assert versions.resolve(STATE, "f", "live") == "3"
    assert versions.resolve(STATE, "f", "stable") == "1"
    assert versions.resolve(STATE, "f", "$LATEST") == "3"
    assert versions.resolve(STATE, "f", "1") == "1"
    with pytest.raises(KeyError, match="version 2 of f is not served"):
        versions.resolve(STATE, "f", "2")
    with pytest.raises(KeyError, match="has no alias 'beta'"):
        versions.resolve(STATE, "f", "beta")
    live_dir = {"versions": {}, "spec": {}}
    assert versions.resolve(live_dir, "f", None) == "latest"
    with pytest.raises(KeyError, match="live directory"):
        versions.resolve(live_dir, "f", "3")


def test_a_switch_stages_the_new_version_before_moving_live():
    previous = {"aliases": {"f": {"live": 3}, "g": {"live": 1}}}
    final = {"stack": "s", "stage": "dev", "aliases": {"f": {"live": 4}, "g": {"live": 1}, "h": {"live": 1}}}
    first, second = staged(previous, final)
    # 1: runtimes start the new version while routes stay on the old one
    assert first["aliases"] == {"f": {"live": 3, NEXT: 4}, "g": {"live": 1}, "h": {"live": 1}}
    # 2: routes move while runtimes still serve the old one for gateways that have not switched
    assert second["aliases"] == {"f": {"live": 4, PREV: 3}, "g": {"live": 1}, "h": {"live": 1}}
    assert first["phase"] == second["phase"] == "staged"
    assert staged(previous, {"aliases": {"f": {"live": 3}}}) == []  # nothing moves: one write is enough
    assert staged(None, final) == []  # a new stack has nothing to keep serving
