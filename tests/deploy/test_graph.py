"""Stack dependency order: imports first, ties by name, loops named."""

import pytest

from overcast.deploy.graph import CycleError, deploy_order, importers_of
from overcast.errors import OvercastError


def test_dependencies_deploy_first():
    stacks = {"api": ["data", "auth"], "auth": ["data"], "data": [], "web": ["api"]}
    assert deploy_order(stacks) == ["data", "auth", "api", "web"]


def test_ties_are_broken_by_name_whatever_the_input_order():
    stacks = {"zeta": [], "beta": ["alpha"], "alpha": [], "gamma": ["alpha"], "delta": []}
    assert deploy_order(stacks) == ["alpha", "beta", "delta", "gamma", "zeta"]
    assert deploy_order(dict(reversed(list(stacks.items())))) == ["alpha", "beta", "delta", "gamma", "zeta"]


def test_a_newly_ready_stack_waits_for_smaller_ready_names():
    # "b" becomes ready after "a"; "c" was ready before and still goes after "b"
    assert deploy_order({"c": [], "a": [], "b": ["a"]}) == ["a", "b", "c"]


def test_imports_of_stacks_not_given_are_external():
    stacks = {"api": ["shared-data", "legacy"], "worker": ["shared-data"]}
    assert deploy_order(stacks) == ["api", "worker"]


def test_repeated_imports_and_any_iterable_count_once():
    stacks = {"b": iter(["a", "a"]), "a": (), "c": {"b", "a"}}
    assert deploy_order(stacks) == ["a", "b", "c"]


def test_empty():
    assert deploy_order({}) == []


def test_cycle_of_two_is_named():
    with pytest.raises(CycleError) as info:
        deploy_order({"b": ["a"], "a": ["b"], "c": []})
    assert info.value.cycle == ["a", "b", "a"]
    assert str(info.value) == "stack cycle: a -> b -> a"


def test_cycle_of_three_is_named_in_import_direction():
    # x imports from z, z from y, y from x; "w" depends on the loop but is not part of it
    with pytest.raises(CycleError) as info:
        deploy_order({"w": ["y"], "y": ["x"], "z": ["y"], "x": ["z"], "free": []})
    error = info.value
    assert error.cycle == ["x", "z", "y", "x"]
    assert error.message == "stack cycle: x -> z -> y -> x"
    assert isinstance(error, OvercastError) and error.code == "deploy.cycle"
    assert error.to_dict() == {"code": "deploy.cycle", "message": error.message, "cycle": ["x", "z", "y", "x"]}


def test_self_loop():
    with pytest.raises(CycleError) as info:
        deploy_order({"a": ["a"], "b": []})
    assert info.value.cycle == ["a", "a"]
    assert str(info.value) == "stack cycle: a -> a"


def test_cycle_found_is_the_same_every_time():
    stacks = {"d": ["c"], "c": ["b", "d"], "b": ["a"], "a": ["c"]}
    found = set()
    for _ in range(5):
        with pytest.raises(CycleError) as info:
            deploy_order(dict(sorted(stacks.items(), reverse=bool(_ % 2))))
        found.add(tuple(info.value.cycle))
    assert found == {("a", "c", "b", "a")}


def test_importers_of():
    stacks = {"web": ["api"], "api": ["data"], "jobs": ["data", "api"], "data": [], "odd": ["odd"]}
    assert importers_of("data", stacks) == ["api", "jobs"]
    assert importers_of("api", stacks) == ["jobs", "web"]
    assert importers_of("web", stacks) == []
    assert importers_of("missing", stacks) == []
    assert importers_of("odd", stacks) == []  # a stack is not its own importer
