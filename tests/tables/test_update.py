"""UpdateExpression: SET, REMOVE, ADD, DELETE with DynamoDB's semantics and errors."""

from __future__ import annotations

import pytest

from overcast.tables.errors import ValidationException
from overcast.tables.expressions import apply_update
from tests.tables.avs import BOOL_TRUE, BS, NS, SS, B, L, M, N, S

ITEM = {
    "pk": S("k"),
    "n": N("10"),
    "s": S("str"),
    "lst": L(S("a"), S("b"), S("c")),
    "doc": M(x=N("1"), y=M(z=S("deep")), arr=L(N("0"), M(f=N("1")))),
    "tags": SS("red", "blue"),
    "nums": NS("1", "2"),
    "bins": BS(b"a"),
}


def up(expr: str, values: dict | None = None, names: dict | None = None, item: dict | None = ITEM, **kw):
    return apply_update(item, expr, names, values, **kw)


def new(expr: str, values: dict | None = None, names: dict | None = None, item: dict | None = ITEM, **kw) -> dict:
    return up(expr, values, names, item, **kw)[0]


def _message(expr: str, values: dict | None = None, names: dict | None = None, item: dict | None = ITEM, **kw) -> str:
    with pytest.raises(ValidationException) as info:
        up(expr, values, names, item, **kw)
    return info.value.message


# -- SET ---------------------------------------------------------------------


def test_set_creates_and_replaces():
    result = new("SET a = :v, s = :w", {":v": N("1.50"), ":w": BOOL_TRUE})
    assert result["a"] == N("1.5")  # numbers are stored normalized
    assert result["s"] == BOOL_TRUE
    assert result["pk"] == S("k")
    assert ITEM["s"] == S("str")  # the input item is untouched


def test_set_on_a_missing_item_creates_it():
    assert new("SET a = :v", {":v": S("x")}, item=None) == {"a": S("x")}
    assert new("SET a = :v", {":v": S("x")}, item={}) == {"a": S("x")}


def test_set_arithmetic():
    assert new("SET n = n + :d", {":d": N("0.5")})["n"] == N("10.5")
    assert new("SET n = n - :d", {":d": N("12")})["n"] == N("-2")
    assert new("SET m = :a + :b", {":a": N("1"), ":b": N("2")})["m"] == N("3")
    assert new("SET m = doc.x + n")["m"] == N("11")


def test_set_arithmetic_errors():
    assert _message("SET n = n + :d", {":d": S("1")}) == (
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, "
        "operand type: S"
    )
    assert (
        _message("SET n = s + :d", {":d": N("1")}) == "An operand in the update expression has an incorrect data type"
    )
    assert _message("SET n = absent + :d", {":d": N("1")}) == (
        "The provided expression refers to an attribute that does not exist in the item"
    )
    assert "Number overflow" in _message("SET n = :a + :a", {":a": N("9E+125")})
    assert "more than 38 significant digits" in _message("SET n = :a + :b", {":a": N("1E+30"), ":b": N("1E-30")})


def test_if_not_exists():
    assert new("SET n = if_not_exists(n, :z)", {":z": N("0")})["n"] == N("10")
    assert new("SET c = if_not_exists(c, :z)", {":z": N("0")})["c"] == N("0")
    assert new("SET c = if_not_exists(c, :z) + :one", {":z": N("0"), ":one": N("1")})["c"] == N("1")
    assert new("SET n = if_not_exists(n, absent)")["n"] == N("10")  # the fallback is not read when unneeded
    assert "refers to an attribute that does not exist" in _message("SET c = if_not_exists(c, absent)")


def test_list_append():
    assert new("SET lst = list_append(lst, :more)", {":more": L(S("d"))})["lst"] == L(S("a"), S("b"), S("c"), S("d"))
    assert new("SET lst = list_append(:more, lst)", {":more": L(S("z"))})["lst"] == L(S("z"), S("a"), S("b"), S("c"))
    assert new("SET l2 = list_append(if_not_exists(l2, :empty), :more)", {":empty": L(), ":more": L(N("1"))})[
        "l2"
    ] == L(N("1"))
    assert _message("SET lst = list_append(lst, :m)", {":m": M(a=S("x"))}) == (
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: "
        "list_append, operand type: M"
    )
    assert _message("SET lst = list_append(s, :m)", {":m": L()}) == (
        "An operand in the update expression has an incorrect data type"
    )


def test_set_nested_paths():
    result = new("SET doc.y.z = :v, doc.q = :w, #d.arr[1].f = :v", {":v": S("new"), ":w": N("2")}, {"#d": "doc"})
    assert result["doc"] == M(x=N("1"), y=M(z=S("new")), arr=L(N("0"), M(f=S("new"))), q=N("2"))
    assert ITEM["doc"]["M"]["y"] == M(z=S("deep"))


def test_set_list_indexes():
    assert new("SET lst[1] = :v", {":v": S("B")})["lst"] == L(S("a"), S("B"), S("c"))
    assert new("SET lst[3] = :v", {":v": S("d")})["lst"] == L(S("a"), S("b"), S("c"), S("d"))
    # beyond the end appends; several appends land in index order whatever the written order
    assert new("SET lst[10] = :v", {":v": S("z")})["lst"] == L(S("a"), S("b"), S("c"), S("z"))
    assert new("SET lst[20] = :y, lst[10] = :x", {":x": S("x"), ":y": S("y")})["lst"] == L(
        S("a"), S("b"), S("c"), S("x"), S("y")
    )


def test_set_invalid_document_paths():
    invalid = "The document path provided in the update expression is invalid for update"
    assert _message("SET absent.x = :v", {":v": N("1")}) == invalid
    assert _message("SET absent[0] = :v", {":v": N("1")}) == invalid
    assert _message("SET s.x = :v", {":v": N("1")}) == invalid  # through a string
    assert _message("SET doc[0] = :v", {":v": N("1")}) == invalid  # index into a map
    assert _message("SET lst.x = :v", {":v": N("1")}) == invalid  # key into a list
    assert _message("SET lst[5].x = :v", {":v": N("1")}) == invalid  # element missing


# -- REMOVE ------------------------------------------------------------------


def test_remove_attributes_and_nested_members():
    result = new("REMOVE s, doc.y.z, absent, doc.nope")
    assert "s" not in result
    assert result["doc"] == M(x=N("1"), y=M(), arr=L(N("0"), M(f=N("1"))))


def test_remove_list_elements_uses_original_indexes():
    assert new("REMOVE lst[1]")["lst"] == L(S("a"), S("c"))
    assert new("REMOVE lst[0], lst[2]")["lst"] == L(S("b"))
    assert new("REMOVE lst[2], lst[0]")["lst"] == L(S("b"))
    assert new("REMOVE lst[5]")["lst"] == ITEM["lst"]  # beyond the end: nothing happens
    assert new("REMOVE lst[0], lst[1], lst[2]")["lst"] == L()
    assert new("REMOVE doc.arr[0], lst[1]")["doc"]["M"]["arr"] == L(M(f=N("1")))


def test_remove_and_set_in_one_list():
    result, old, updated = up("SET lst[1] = :v, lst[7] = :w REMOVE lst[0]", {":v": S("B"), ":w": S("end")})
    assert result["lst"] == L(S("B"), S("c"), S("end"))
    assert old == {"lst": L(S("a"), S("b"))}
    assert updated == {"lst": L(S("B"), S("end"))}


def test_remove_through_a_missing_or_wrong_parent_is_invalid():
    invalid = "The document path provided in the update expression is invalid for update"
    assert _message("REMOVE absent.x") == invalid
    assert _message("REMOVE s.x") == invalid
    assert _message("REMOVE doc[0]") == invalid


# -- ADD / DELETE ------------------------------------------------------------


def test_add_numbers():
    assert new("ADD n :d", {":d": N("5")})["n"] == N("15")
    assert new("ADD n :d", {":d": N("-10.0")})["n"] == N("0")
    assert new("ADD hits :d", {":d": N("1.50")})["hits"] == N("1.5")  # missing counts as 0
    assert new("ADD doc.x :d", {":d": N("1")})["doc"]["M"]["x"] == N("2")


def test_add_sets():
    assert new("ADD tags :t", {":t": SS("green", "red")})["tags"] == SS("red", "blue", "green")
    assert new("ADD nums :t", {":t": NS("2.0", "3")})["nums"] == NS("1", "2", "3")
    assert new("ADD bins :t", {":t": BS(b"a", b"b")})["bins"] == BS(b"a", b"b")
    assert new("ADD fresh :t", {":t": SS("x")})["fresh"] == SS("x")


def test_add_type_errors():
    assert _message("ADD s :v", {":v": S("x")}) == (
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, "
        "operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND"
    )
    assert "operator: ADD, operand type: LIST" in _message("ADD lst :v", {":v": L(S("x"))})
    assert "operator: ADD, operand type: MAP" in _message("ADD doc :v", {":v": M()})
    assert "operator: ADD, operand type: BOOLEAN" in _message("ADD f :v", {":v": BOOL_TRUE})
    wrong = "An operand in the update expression has an incorrect data type"
    assert _message("ADD s :v", {":v": N("1")}) == wrong  # a number added to a string
    assert _message("ADD tags :v", {":v": NS("1")}) == wrong  # a number set added to a string set
    assert _message("ADD n :v", {":v": SS("x")}) == wrong


def test_delete_from_sets():
    assert new("DELETE tags :t", {":t": SS("red", "absent")})["tags"] == SS("blue")
    assert new("DELETE nums :t", {":t": NS("1.0")})["nums"] == NS("2")
    assert new("DELETE bins :t", {":t": BS(b"z")})["bins"] == BS(b"a")
    assert "tags" not in new("DELETE tags :t", {":t": SS("red", "blue")})  # an emptied set is removed
    assert "absent" not in new("DELETE absent :t", {":t": SS("x")})  # deleting from nothing is a no-op


def test_delete_type_errors():
    assert _message("DELETE nums :v", {":v": N("1")}) == (
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, "
        "operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND"
    )
    assert "operator: DELETE, operand type: STRING" in _message("DELETE tags :v", {":v": S("red")})
    wrong = "An operand in the update expression has an incorrect data type"
    assert _message("DELETE tags :v", {":v": NS("1")}) == wrong
    assert _message("DELETE s :v", {":v": SS("s")}) == wrong


# -- paths, keys, return values ---------------------------------------------


def test_overlapping_paths():
    prefix = (
        "Invalid UpdateExpression: Two document paths overlap with each other; "
        "must remove or rewrite one of these paths; "
    )
    assert _message("SET a = :v, a = :v", {":v": N("1")}) == prefix + "path one: [a], path two: [a]"
    assert _message("SET doc = :v REMOVE doc.x", {":v": M()}) == prefix + "path one: [doc], path two: [doc, x]"
    assert _message("SET #a = :v REMOVE a", {":v": N("1")}, {"#a": "a"}) == prefix + "path one: [a], path two: [a]"
    assert "path one: [lst, [1]], path two: [lst, [1]]" in _message("SET lst[1] = :v REMOVE lst[1]", {":v": N("1")})
    assert "overlap" in _message("ADD n :v DELETE n :s", {":v": N("1"), ":s": NS("1")})
    assert "Two document paths conflict with each other" in _message("SET doc.x = :v, doc[0] = :v", {":v": N("1")})
    # siblings are fine
    assert new("SET doc.x = :v, doc.q = :v REMOVE doc.y", {":v": N("5")})["doc"]["M"].keys() == {"x", "q", "arr"}


def test_key_attributes_cannot_be_updated():
    message = _message("SET pk = :v", {":v": S("other")}, key_names=("pk", "sk"))
    assert (
        message
        == "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"
    )
    assert "Cannot update attribute pk" in _message("REMOVE pk", key_names=("pk",))
    assert "Cannot update attribute sk" in _message("ADD sk :v", {":v": N("1")}, key_names=("pk", "sk"))


def test_updated_old_and_updated_new():
    result, old, updated = up(
        "SET n = n + :one, doc.y.z = :v, brand = :v REMOVE s, doc.x ADD tags :t",
        {":one": N("1"), ":v": S("v"), ":t": SS("x")},
    )
    assert old == {"n": N("10"), "s": S("str"), "doc": M(x=N("1"), y=M(z=S("deep"))), "tags": SS("red", "blue")}
    assert updated == {"n": N("11"), "doc": M(y=M(z=S("v"))), "brand": S("v"), "tags": SS("red", "blue", "x")}
    assert "s" not in result and "x" not in result["doc"]["M"]


def test_operands_read_the_item_before_the_update():
    result = new("SET a = n, n = :v", {":v": N("99")})
    assert result["a"] == N("10") and result["n"] == N("99")
    result = new("SET dup = doc.x REMOVE doc.x")
    assert result["dup"] == N("1") and "x" not in result["doc"]["M"]


def test_result_values_are_independent_copies():
    result = new("SET c = doc, lst[0] = :v", {":v": S("A")})
    result["c"]["M"]["x"] = N("999")
    assert ITEM["doc"]["M"]["x"] == N("1")
    assert ITEM["lst"] == L(S("a"), S("b"), S("c"))


def test_binary_values_and_sets_round_trip():
    assert new("SET b = :b", {":b": B(b"\x00\xff")})["b"] == B(b"\x00\xff")
