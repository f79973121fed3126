"""ProjectionExpression: nested structure kept as DynamoDB returns it."""

from __future__ import annotations

import pytest

from overcast.tables.errors import ValidationException
from overcast.tables.expressions import project, projection_paths
from tests.tables.avs import NULL, SS, L, M, N, S

ITEM = {
    "pk": S("a"),
    "n": N("1"),
    "doc": M(x=S("1"), y=M(z=N("2"), w=N("3")), arr=L(S("e0"), M(f=S("g"), h=S("i")), S("e2"), S("e3"))),
    "lst": L(S("a"), S("b"), S("c"), S("d")),
    "tags": SS("t"),
    "nil": NULL,
}


def test_top_level_attributes():
    assert project(ITEM, "pk, n, tags, nil") == {"pk": S("a"), "n": N("1"), "tags": SS("t"), "nil": NULL}
    assert project(ITEM, "absent, pk") == {"pk": S("a")}
    assert project(ITEM, "absent") == {}


def test_nested_map_paths_keep_structure():
    assert project(ITEM, "doc.y.z") == {"doc": M(y=M(z=N("2")))}
    assert project(ITEM, "doc.x, doc.y.w") == {"doc": M(x=S("1"), y=M(w=N("3")))}
    assert project(ITEM, "doc.y") == {"doc": M(y=M(z=N("2"), w=N("3")))}


def test_list_elements_are_compacted_in_list_order():
    assert project(ITEM, "lst[3], lst[1]") == {"lst": L(S("b"), S("d"))}
    assert project(ITEM, "lst[0]") == {"lst": L(S("a"))}
    assert project(ITEM, "lst[9]") == {}
    assert project(ITEM, "doc.arr[1].h, doc.arr[3]") == {"doc": M(arr=L(M(h=S("i")), S("e3")))}


def test_paths_that_do_not_exist_are_left_out():
    assert project(ITEM, "doc.nope, doc.y.nope, pk") == {"pk": S("a")}
    assert project(ITEM, "pk.x, lst.x, doc[0]") == {}  # through scalars, a list as a map, a map as a list
    assert project({}, "a, b.c") == {}


def test_name_placeholders():
    names = {"#d": "doc", "#y": "y", "#dot": "a.b"}
    assert project({**ITEM, "a.b": N("9")}, "#d.#y.z, #dot", names) == {"doc": M(y=M(z=N("2"))), "a.b": N("9")}
    assert projection_paths("#d.#y.z, lst[2]", {"#d": "doc", "#y": "y"}) == [("doc", "y", "z"), ("lst", 2)]


def test_resolved_paths_can_be_passed_directly():
    assert project(ITEM, [("doc", "y", "z"), ("lst", 0)]) == {"doc": M(y=M(z=N("2"))), "lst": L(S("a"))}


def test_the_item_is_not_modified():
    before = repr(ITEM)
    project(ITEM, "doc.y.z, lst[1]")
    assert repr(ITEM) == before


def _message(expr: str, names=None) -> str:
    with pytest.raises(ValidationException) as info:
        projection_paths(expr, names)
    return info.value.message


def test_overlapping_paths_are_rejected():
    assert _message("doc, doc.x") == (
        "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of "
        "these paths; path one: [doc], path two: [doc, x]"
    )
    assert "path one: [doc, x], path two: [doc]" in _message("doc.x, doc")
    assert "path one: [pk], path two: [pk]" in _message("pk, #p", {"#p": "pk"})
    assert "path one: [lst, [0]], path two: [lst, [0], f]" in _message("lst[0], lst[0].f")
    # siblings do not overlap
    assert projection_paths("doc.x, doc.y, lst[0], lst[1]") == [("doc", "x"), ("doc", "y"), ("lst", 0), ("lst", 1)]


def test_conflicting_paths_are_rejected():
    assert _message("doc.x, doc[0]") == (
        "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of "
        "these paths; path one: [doc, x], path two: [doc, [0]]"
    )
