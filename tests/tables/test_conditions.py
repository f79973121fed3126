"""Evaluating condition and filter expressions against nums."""

from __future__ import annotations

import pytest

from overcast.tables.errors import ValidationException
from overcast.tables.expressions import FILTER, compile_condition, evaluate_condition
from tests.tables.avs import BOOL_TRUE, BS, NS, NULL, SS, B, L, M, N, S

ITEM = {
    "pk": S("user#1"),
    "age": N("42"),
    "name": S("Zoë"),
    "bin": B(b"\x01\x02\x03"),
    "flag": BOOL_TRUE,
    "nothing": NULL,
    "tags": SS("red", "blue"),
    "scores": NS("1", "2.5"),
    "bins": BS(b"a", b"b"),
    "lst": L(S("x"), N("7"), M(k=S("v"))),
    "doc": M(inr=M(deep=N("1")), txt=S("hello world"), nums=L(N("1"), N("2"))),
    "blank": S(""),
}


def ev(expr: str, values: dict | None = None, names: dict | None = None, item: dict = ITEM) -> bool:
    return evaluate_condition(expr, item, names, values)


def test_comparisons_on_numbers_strings_and_binary():
    assert ev("age = :v", {":v": N("42.0")})
    assert ev("age <> :v", {":v": N("41")})
    assert ev("age < :v", {":v": N("100")})
    assert not ev("age < :v", {":v": N("42")})
    assert ev("age <= :v", {":v": N("42")})
    assert ev("age > :v", {":v": N("-1E+100")})
    assert ev("age >= :v", {":v": N("42")})
    assert ev("pk > :v", {":v": S("user#0")})
    assert ev("#n > :v", {":v": S("Zoa")}, {"#n": "name"})  # "ë" sorts after "a" by UTF-8 bytes
    assert ev("#n < :v", {":v": S("a")}, {"#n": "name"})  # "Z" < "a"
    assert ev("bin < :v", {":v": B(b"\x01\x02\x04")})
    assert ev("bin > :v", {":v": B(b"\x01\x02")})


def test_different_types_compare_false_not_error():
    assert not ev("age = :v", {":v": S("42")})
    assert ev("age <> :v", {":v": S("42")})
    assert not ev("age < :v", {":v": S("50")})
    assert not ev("pk >= :v", {":v": N("1")})
    assert not ev("tags < lst")  # neither is ordered: false, not an error


def test_missing_attributes():
    assert not ev("absent = :v", {":v": N("1")})
    assert ev("absent <> :v", {":v": N("1")})
    assert not ev("absent < :v", {":v": N("1")})
    assert not ev("absent BETWEEN :a AND :b", {":a": N("1"), ":b": N("2")})
    assert not ev("absent IN (:a)", {":a": N("1")})
    assert not ev("doc.nope.deeper = :v", {":v": N("1")})
    assert not ev("age.x = :v", {":v": N("1")})  # a path through a scalar does not exist
    assert ev("attribute_not_exists(pk)", item={})  # a condition on a absent item


def test_equality_of_documents_and_sets():
    assert ev("tags = :v", {":v": SS("blue", "red")})
    assert ev("scores = :v", {":v": NS("2.50", "1.0")})
    assert ev("lst = :v", {":v": L(S("x"), N("7.0"), M(k=S("v")))})
    assert not ev("lst = :v", {":v": L(N("7"), S("x"), M(k=S("v")))})
    assert ev("doc.inr = :v", {":v": M(deep=N("1"))})
    assert ev("nothing = :v", {":v": NULL})
    assert ev("flag = :v", {":v": BOOL_TRUE})
    assert ev("flag <> :v", {":v": {"BOOL": False}})


def test_nested_paths_and_list_indexes():
    assert ev("doc.inr.deep = :v", {":v": N("1")})
    assert ev("#m.#i.#d = :v", {":v": N("1")}, {"#m": "doc", "#i": "inr", "#d": "deep"})
    assert ev("lst[1] = :v", {":v": N("7")})
    assert ev("lst[2].k = :v", {":v": S("v")})
    assert ev("doc.nums[1] = :v", {":v": N("2")})
    assert not ev("lst[3] = :v", {":v": N("7")})  # beyond the end
    assert not ev("doc[0] = :v", {":v": N("7")})  # index into a doc
    assert not ev("lst.k = :v", {":v": S("v")})  # key into a lst


def test_a_name_placeholder_is_one_attribute_even_with_dots():
    item = {"a.b": N("1"), "a": M(b=N("2"))}
    assert ev("#ab = :v", {":v": N("1")}, {"#ab": "a.b"}, item=item)
    assert ev("a.b = :v", {":v": N("2")}, item=item)


def test_between():
    assert ev("age BETWEEN :a AND :b", {":a": N("42"), ":b": N("42")})
    assert ev("age BETWEEN :a AND :b", {":a": N("1"), ":b": N("100")})
    assert not ev("age BETWEEN :a AND :b", {":a": N("43"), ":b": N("100")})
    assert ev("pk BETWEEN :a AND :b", {":a": S("user#"), ":b": S("user#~")})
    assert not ev("age BETWEEN :a AND :b", {":a": S("1"), ":b": S("9")})  # type mismatch is false


def test_between_bounds_are_checked():
    with pytest.raises(ValidationException) as info:
        ev("age BETWEEN :a AND :b", {":a": N("5"), ":b": N("1")})
    assert info.value.message == (
        "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to "
        "lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}"
    )
    with pytest.raises(ValidationException, match="requires same data type for lower and upper bounds"):
        ev("age BETWEEN :a AND :b", {":a": N("1"), ":b": S("9")})


def test_ordering_a_literal_of_an_unordered_type_is_invalid():
    with pytest.raises(ValidationException, match="operator or function: <, operand type: BOOL"):
        ev("age < :v", {":v": BOOL_TRUE})
    with pytest.raises(ValidationException, match="operator or function: BETWEEN, operand type: SS"):
        ev("age BETWEEN :a AND :b", {":a": SS("a"), ":b": SS("b")})


def test_in():
    assert ev("age IN (:a, :b)", {":a": N("1"), ":b": N("42.00")})
    assert not ev("age IN (:a, :b)", {":a": N("1"), ":b": S("42")})
    assert ev("pk IN (:a, absent, pk2, doc.txt, :b)", {":a": S("x"), ":b": S("user#1")})
    assert ev("doc.txt IN (:a)", {":a": S("hello world")})


def test_attribute_exists_and_not_exists():
    assert ev("attribute_exists(pk)")
    assert ev("attribute_exists(doc.inr.deep)")
    assert ev("attribute_exists(lst[2])")
    assert ev("attribute_exists(nothing)")  # a NULL value exists
    assert not ev("attribute_exists(lst[3])")
    assert ev("attribute_not_exists(absent)")
    assert not ev("attribute_not_exists(#n)", names={"#n": "name"})


def test_attribute_type():
    for path, tag in [
        ("pk", "S"),
        ("age", "N"),
        ("bin", "B"),
        ("flag", "BOOL"),
        ("nothing", "NULL"),
        ("tags", "SS"),
        ("scores", "NS"),
        ("bins", "BS"),
        ("lst", "L"),
        ("doc", "M"),
    ]:
        assert ev(f"attribute_type({path}, :t)", {":t": S(tag)}), (path, tag)
        other = "N" if tag != "N" else "S"
        assert not ev(f"attribute_type({path}, :t)", {":t": S(other)})
    assert not ev("attribute_type(absent, :t)", {":t": S("S")})
    with pytest.raises(ValidationException) as info:
        ev("attribute_type(pk, :t)", {":t": S("STRING")})
    assert info.value.message == (
        "Invalid ConditionExpression: Invalid attribute type name found; type: STRING, "
        "valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"
    )
    with pytest.raises(ValidationException, match="operator or function: attribute_type, operand type: N"):
        ev("attribute_type(pk, :t)", {":t": N("1")})


def test_begins_with():
    assert ev("begins_with(pk, :p)", {":p": S("user#")})
    assert ev("begins_with(pk, :p)", {":p": S("")})
    assert not ev("begins_with(pk, :p)", {":p": S("User")})
    assert ev("begins_with(bin, :p)", {":p": B(b"\x01\x02")})
    assert not ev("begins_with(bin, :p)", {":p": B(b"\x02")})
    assert not ev("begins_with(pk, :p)", {":p": B(b"u")})  # S attribute, B prefix
    assert not ev("begins_with(age, :p)", {":p": S("4")})  # not a string
    assert not ev("begins_with(absent, :p)", {":p": S("x")})
    with pytest.raises(ValidationException) as info:
        ev("begins_with(pk, :p)", {":p": N("1")})
    assert info.value.message == (
        "Invalid ConditionExpression: Incorrect operand type for operator or function; "
        "operator or function: begins_with, operand type: N"
    )


def test_contains():
    assert ev("contains(doc.txt, :s)", {":s": S("lo wo")})
    assert not ev("contains(doc.txt, :s)", {":s": S("xyz")})
    assert ev("contains(tags, :s)", {":s": S("red")})
    assert not ev("contains(tags, :s)", {":s": S("re")})  # set membership, not substring
    assert ev("contains(scores, :n)", {":n": N("2.50")})
    assert not ev("contains(scores, :n)", {":n": S("1")})
    assert ev("contains(bins, :b)", {":b": B(b"b")})
    assert ev("contains(lst, :e)", {":e": N("7")})
    assert ev("contains(lst, :e)", {":e": M(k=S("v"))})
    assert not ev("contains(lst, :e)", {":e": S("7")})
    assert ev("contains(bin, :b)", {":b": B(b"\x02\x03")})
    assert ev("contains(doc.txt, pk)", item={**ITEM, "doc": M(txt=S("xx user#1 yy"))})
    assert not ev("contains(age, :n)", {":n": N("4")})
    assert not ev("contains(absent, :s)", {":s": S("x")})


def test_size():
    assert ev("size(#n) = :v", {":v": N("3")}, {"#n": "name"})  # characters, not bytes
    assert ev("size(bin) = :v", {":v": N("3")})
    assert ev("size(tags) = :v", {":v": N("2")})
    assert ev("size(scores) = :v", {":v": N("2")})
    assert ev("size(bins) = :v", {":v": N("2")})
    assert ev("size(lst) = :v", {":v": N("3")})
    assert ev("size(doc) = :v", {":v": N("3")})
    assert ev("size(blank) = :v", {":v": N("0")})
    assert ev("size(doc.nums) > :v", {":v": N("1")})
    assert ev("size(lst) BETWEEN :a AND :b", {":a": N("1"), ":b": N("3")})
    assert ev("size(tags) IN (:a, :b)", {":a": N("9"), ":b": N("2")})
    assert ev("size(lst) > size(tags)")
    # size of a number, a boolean or a absent attribute has no value: comparisons are false
    assert not ev("size(age) = :v", {":v": N("2")})
    assert not ev("size(flag) >= :v", {":v": N("0")})
    assert not ev("size(absent) >= :v", {":v": N("0")})


def test_logic_and_precedence_evaluate_correctly():
    t, f = "attribute_exists(pk)", "attribute_exists(absent)"
    assert ev(f"{f} OR {t} AND {t}")
    assert not ev(f"({f} OR {t}) AND {f}")
    assert ev(f"NOT {f} AND {t}")
    assert not ev(f"NOT ({f} OR {t})")
    assert ev(f"{t} AND NOT {f} AND ({f} OR {t})")
    assert not ev(f"{f} AND {t} OR {f}")


def test_compiled_condition_is_reusable_for_filters():
    predicate = compile_condition(
        "age >= :min AND begins_with(pk, :p)", None, {":min": N("18"), ":p": S("user#")}, kind=FILTER
    )
    nums = [{"pk": S(f"user#{i}"), "age": N(str(i * 10))} for i in range(5)] + [{"pk": S("org#1"), "age": N("99")}]
    assert [item["pk"]["S"] for item in nums if predicate(item)] == ["user#2", "user#3", "user#4"]
    with pytest.raises(ValidationException, match="^Invalid FilterExpression: "):
        compile_condition("age >= :absent", None, {":min": N("1")}, kind=FILTER, check_unused=False)


def test_a_cached_tree_is_bound_afresh_for_every_request():
    assert ev("age = :v", {":v": N("42")})
    assert not ev("age = :v", {":v": N("43")})
    assert ev("#a = :v", {":v": N("42")}, {"#a": "age"})
    assert not ev("#a = :v", {":v": N("42")}, {"#a": "pk"})
