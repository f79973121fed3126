"""Lambda event filtering: every operator, with the cases that must not match."""

from __future__ import annotations

import pytest

from overcast.sources.filtering import compile_patterns

EVENT = {
    "name": "Alice", "city": "Seattle", "state": "WA", "temp": 46, "ratio": 0.5, "price": 300, "flag": True,
    "nothing": None, "empty": "", "tags": ["red", "blue"], "nums": [1, 7], "region": "us-west-2",
    "file": "photo.PNG", "detail": {"level": "ERROR", "code": 500, "inner": {"x": "y"}},
    "items": [{"kind": "a", "n": 1}, {"kind": "b", "n": 2}],
}


def matches(pattern, event=EVENT) -> bool:
    return compile_patterns([pattern]).matches(event)


@pytest.mark.parametrize("pattern,expected", [
    ({"name": ["Alice"]}, True),
    ({"name": ["alice"]}, False),  # exact, no case folding
    ({"name": ["Bob", "Alice"]}, True),  # OR within a field
    ({"name": ["Alice"], "city": ["Seattle"]}, True),  # AND across fields
    ({"name": ["Alice"], "city": ["Boston"]}, False),
    ({"temp": [46]}, True),
    ({"temp": ["46"]}, False),  # a string never equals a number
    ({"price": [300.0]}, False),  # AWS: 300 and 300.0 are different values
    ({"ratio": [0.5]}, True),
    ({"flag": [True]}, True),
    ({"flag": [1]}, False),
    ({"nothing": [None]}, True),
    ({"missing": [None]}, False),  # null matches a null value, not an absent field
    ({"empty": [""]}, True),
    ({"tags": ["blue"]}, True),  # an array matches when any element does
    ({"tags": ["green"]}, False),
    ({"missing": ["x"]}, False),  # every field of the pattern must be in the event
])
def test_exact_values(pattern, expected):
    assert matches(pattern) is expected


@pytest.mark.parametrize("pattern,expected", [
    ({"region": [{"prefix": "us-"}]}, True),
    ({"region": [{"prefix": "eu-"}]}, False),
    ({"temp": [{"prefix": "4"}]}, False),  # prefix only applies to strings
    ({"region": [{"prefix": {"equals-ignore-case": "US-"}}]}, True),
    ({"file": [{"suffix": ".png"}]}, False),
    ({"file": [{"suffix": ".PNG"}]}, True),
    ({"file": [{"suffix": {"equals-ignore-case": ".png"}}]}, True),
    ({"name": [{"equals-ignore-case": "ALICE"}]}, True),
    ({"name": [{"equals-ignore-case": "alicia"}]}, False),
])
def test_prefix_suffix_ignore_case(pattern, expected):
    assert matches(pattern) is expected


@pytest.mark.parametrize("pattern,expected", [
    ({"city": [{"anything-but": "Boston"}]}, True),
    ({"city": [{"anything-but": "Seattle"}]}, False),
    ({"city": [{"anything-but": ["Boston", "Seattle"]}]}, False),
    ({"temp": [{"anything-but": [1, 2]}]}, True),
    ({"temp": [{"anything-but": 46}]}, False),
    ({"region": [{"anything-but": {"prefix": "us-"}}]}, False),
    ({"region": [{"anything-but": {"prefix": "eu-"}}]}, True),
    ({"file": [{"anything-but": {"suffix": ".PNG"}}]}, False),
    ({"name": [{"anything-but": {"equals-ignore-case": ["bob", "ALICE"]}}]}, False),
    ({"missing": [{"anything-but": "x"}]}, False),  # the field must exist
])
def test_anything_but(pattern, expected):
    assert matches(pattern) is expected


@pytest.mark.parametrize("pattern,expected", [
    ({"temp": [{"numeric": [">", 40]}]}, True),
    ({"temp": [{"numeric": [">", 46]}]}, False),
    ({"temp": [{"numeric": [">=", 46]}]}, True),
    ({"temp": [{"numeric": ["=", 46]}]}, True),
    ({"temp": [{"numeric": ["<", 46]}]}, False),
    ({"temp": [{"numeric": [">", 40, "<=", 46]}]}, True),
    ({"temp": [{"numeric": [">", 50, "<=", 60]}]}, False),
    ({"ratio": [{"numeric": ["<", 1]}]}, True),
    ({"name": [{"numeric": [">", 0]}]}, False),  # not a number
    ({"flag": [{"numeric": [">", 0]}]}, False),  # booleans are not numbers
    ({"nums": [{"numeric": [">", 5]}]}, True),  # any element of an array
])
def test_numeric(pattern, expected):
    assert matches(pattern) is expected


@pytest.mark.parametrize("pattern,expected", [
    ({"name": [{"exists": True}]}, True),
    ({"name": [{"exists": False}]}, False),
    ({"missing": [{"exists": False}]}, True),
    ({"missing": [{"exists": True}]}, False),
    ({"detail": {"level": [{"exists": True}]}}, True),
    ({"detail": {"nope": [{"exists": False}]}}, True),
    ({"detail": [{"exists": True}]}, False),  # exists applies to leaves, not objects
])
def test_exists(pattern, expected):
    assert matches(pattern) is expected


@pytest.mark.parametrize("pattern,expected", [
    ({"detail": {"level": ["ERROR"]}}, True),
    ({"detail": {"level": ["WARN"]}}, False),
    ({"detail": {"inner": {"x": ["y"]}}}, True),
    ({"detail": {"inner": {"x": ["z"]}}}, False),
    ({"name": {"first": ["A"]}}, False),  # a nested pattern does not match a string
    ({"missing": {"x": ["y"]}}, False),
    ({"items": {"kind": ["b"]}}, True),  # an array of objects: any element
    ({"items": {"kind": ["c"]}}, False),
    ({"items": {"kind": ["a"], "n": [2]}}, False),  # both conditions on the same element
])
def test_nested_objects_and_arrays(pattern, expected):
    assert matches(pattern) is expected


@pytest.mark.parametrize("pattern,expected", [
    ({"$or": [{"name": ["Bob"]}, {"city": ["Seattle"]}]}, True),
    ({"$or": [{"name": ["Bob"]}, {"city": ["Boston"]}]}, False),
    ({"state": ["WA"], "$or": [{"temp": [{"numeric": [">", 100]}]}, {"detail": {"code": [500]}}]}, True),
    ({"state": ["OR"], "$or": [{"temp": [46]}, {"name": ["Alice"]}]}, False),
    ({"detail": {"$or": [{"level": ["INFO"]}, {"code": [500]}]}}, True),
])
def test_or(pattern, expected):
    assert matches(pattern) is expected


def test_filters_are_ored_and_none_means_everything():
    f = compile_patterns(['{"name": ["Bob"]}', {"city": ["Seattle"]}])
    assert f.matches(EVENT)
    assert not compile_patterns([{"name": ["Bob"]}, {"city": ["Boston"]}]).matches(EVENT)
    assert compile_patterns([]).matches(EVENT)


@pytest.mark.parametrize("pattern,message", [
    ("{not json", "filter pattern 1 is not valid JSON"),
    ('["a"]', "a pattern is a JSON object"),
    ({"a": "x"}, "a: wants a list of matchers"),
    ({"a": []}, "a: the list of matchers is empty"),
    ({"a": [{"wat": 1}]}, "unknown operator 'wat'"),
    ({"a": [{"prefix": 1}]}, "prefix wants a string"),
    ({"a": [{"exists": "yes"}]}, "exists wants true or false"),
    ({"a": [{"numeric": [">"]}]}, "numeric wants"),
    ({"a": [{"numeric": ["!", 1]}]}, "numeric wants"),
    ({"a": [{"numeric": [">", "1"]}]}, "numeric wants"),
    ({"a": [{"numeric": [">", 1, ">", 2]}]}, "numeric wants"),
    ({"a": [{"numeric": ["=", 1, "<", 2]}]}, "numeric wants"),
    ({"a": [{"anything-but": {"wildcard": "x"}}]}, "anything-but takes"),
    ({"a": [{"anything-but": [True]}]}, "anything-but list wants"),
    ({"a": [{"anything-but": None}]}, "anything-but wants"),
    ({"a": [{"prefix": "x", "suffix": "y"}]}, "one operator"),
    ({"a": [["nested"]]}, "one operator"),
    ({"$or": [{"a": ["x"]}]}, "$or wants a list of at least 2"),
    ({"d": {"e": [{"numeric": [">", "x"]}]}}, "d.e: numeric"),
])
def test_invalid_patterns_name_the_problem(pattern, message):
    with pytest.raises(ValueError) as err:
        compile_patterns([{"ok": ["fine"]}, pattern] if not isinstance(pattern, str) else [pattern])
    assert message in str(err.value)
    if not isinstance(pattern, str):
        assert "filter pattern 2" in str(err.value)
