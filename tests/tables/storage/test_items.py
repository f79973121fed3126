"""Conformance: single-item writes, conditions, validation, transactions and concurrent writers."""

from __future__ import annotations

import asyncio

import pytest

from overcast.tables.errors import (
    ConditionalCheckFailedException,
    TransactionCanceledException,
    ValidationException,
)
from overcast.tables.sizes import ITEM_TOO_LARGE, MAX_ITEM_SIZE
from overcast.tables.storage.base import RangeCondition
from tests.tables.avs import BOOL_TRUE, NS, SS, B, L, M, N, S
from tests.tables.storage.helpers import MB, delete, drain, fail_condition, gsi, put, scan_all, table


@pytest.fixture
async def t(storage):
    await storage.create_table(table("T", "S", "N", indexes=(gsi("G", "g", "S"),), stream_view="NEW_AND_OLD_IMAGES"))
    await storage.create_table(table("U", "S"))
    return storage


async def test_put_get_replace_delete(t):
    key = {"pk": S("a"), "sk": N(1)}
    first = {**key, "v": S("one"), "m": M(x=L(N(1), BOOL_TRUE)), "ss": SS("b", "a"), "b": B(b"\x00\xff")}
    assert await put(t, "T", first) == (None, first)
    assert await t.get_item("T", key) == first
    second = {**key, "v": S("two")}
    assert await put(t, "T", second) == (first, second)
    assert await t.get_item("T", key) == second
    assert await delete(t, "T", key) == (second, None)
    assert await t.get_item("T", key) is None
    assert await delete(t, "T", key) == (None, None)
    assert await t.get_item("T", {"pk": S("a"), "sk": N(2)}) is None


async def test_numbers_are_stored_normalized_and_keys_compare_by_value(t):
    await put(t, "T", {"pk": S("a"), "sk": N("1.50"), "n": N("0012.0"), "ns": NS("1.0", "2e1")})
    item = await t.get_item("T", {"pk": S("a"), "sk": N("15E-1")})
    assert item == {"pk": S("a"), "sk": N("1.5"), "n": N("12"), "ns": NS("1", "20")}


async def test_strings_round_trip_exactly(t):
    text = "nul\x00 tab\t é 中 𝄞 \\u0000 \"q\""
    item = {"pk": S(text), "sk": N(0), text: S(text)}
    await put(t, "T", item)
    assert await t.get_item("T", {"pk": S(text), "sk": N(0)}) == item
    assert await scan_all(t, "T") == [item]


async def test_mutate_sees_the_old_item_and_can_change_it_in_place(t):
    key = {"pk": S("a"), "sk": N(1)}
    await put(t, "T", {**key, "n": N(1)})

    def bump(old):
        old["n"] = N(int(old["n"]["N"]) + 1)
        return old

    old, new = await t.write("T", key, bump)
    assert old == {**key, "n": N(1)} and new == {**key, "n": N(2)}
    assert await t.get_item("T", key) == new


async def test_conditional_abort_writes_nothing(t):
    key = {"pk": S("a"), "sk": N(1)}
    item = {**key, "g": S("x")}
    await put(t, "T", item)
    after = (await t.changes(0, 100))[-1][0]
    with pytest.raises(ConditionalCheckFailedException):
        await t.write("T", key, fail_condition)
    with pytest.raises(ConditionalCheckFailedException):
        await t.write("T", {"pk": S("b"), "sk": N(1)}, fail_condition)
    assert await t.get_item("T", key) == item
    assert await t.get_item("T", {"pk": S("b"), "sk": N(1)}) is None
    assert await t.changes(after, 100) == []
    assert (await drain(t, "T", "G", S("x")))[0] == [item]


async def test_key_of_the_new_item_must_be_the_key(t):
    key = {"pk": S("a"), "sk": N(1)}
    for bad in ({"pk": S("a"), "sk": N(2)}, {"pk": S("b"), "sk": N(1)}, {"pk": S("a")}, {"sk": N(1)},
                {"pk": S("a"), "sk": S("1")}):
        with pytest.raises(ValidationException):
            await t.write("T", key, lambda old, bad=bad: {**bad, "v": S("x")})
    assert await t.get_item("T", key) is None
    assert await scan_all(t, "T") == []


async def test_keys_must_match_the_schema(t):
    for bad in ({"pk": S("a")}, {"pk": N(1), "sk": N(1)}, {"pk": S("a"), "sk": N(1), "x": S("y")},
                {"pk": S(""), "sk": N(1)}, {"pk": S("a" * 2049), "sk": N(1)}, {}):
        with pytest.raises(ValidationException):
            await t.write("T", bad, lambda old, bad=bad: bad)
        with pytest.raises(ValidationException):
            await t.get_item("T", bad)
    await put(t, "T", {"pk": S("a" * 2048), "sk": N(1)})  # the largest partition key


async def test_item_size_limit(t):
    key = {"pk": S("k")}
    room = MAX_ITEM_SIZE - len("pk") - len("k") - len("data")
    await put(t, "U", {**key, "data": S("x" * room)})
    with pytest.raises(ValidationException) as error:
        await put(t, "U", {**key, "data": S("x" * (room + 1))})
    assert error.value.message == ITEM_TOO_LARGE
    assert len((await t.get_item("U", key))["data"]["S"]) == room


async def test_an_unchanged_item_writes_nothing(t):
    key = {"pk": S("a"), "sk": N(1)}
    await put(t, "T", {**key, "ns": NS(1, 2)})
    after = (await t.changes(0, 100))[-1][0]
    old, new = await put(t, "T", {**key, "ns": NS(2, "1.0")})
    assert old == new == {**key, "ns": NS(1, 2)}
    assert await t.changes(after, 100) == []


async def test_transact_write_is_all_or_nothing(t):
    await put(t, "U", {"pk": S("u"), "n": N(1)})
    after = (await t.changes(0, 100) or [(0, None)])[-1][0]
    ops = [("T", {"pk": S("a"), "sk": N(1)}, lambda old: {"pk": S("a"), "sk": N(1), "g": S("x")}),
           ("U", {"pk": S("u")}, lambda old: {**old, "n": N(2)}),
           ("U", {"pk": S("v")}, fail_condition),
           ("T", {"pk": S("b"), "sk": N(1)}, lambda old: {"pk": S("b"), "sk": N(2)})]
    with pytest.raises(TransactionCanceledException) as error:
        await t.transact_write(ops)
    assert error.value.reasons == [
        {"Code": "None"}, {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
        {"Code": "ValidationError", "Message": error.value.reasons[3]["Message"]},
    ]
    assert "ConditionalCheckFailed, ValidationError" in error.value.message
    assert await t.get_item("T", {"pk": S("a"), "sk": N(1)}) is None
    assert await t.get_item("U", {"pk": S("u")}) == {"pk": S("u"), "n": N(1)}
    assert (await drain(t, "T", "G", S("x")))[0] == []
    assert await t.changes(after, 100) == []

    results = await t.transact_write(ops[:2] + [("U", {"pk": S("v")}, lambda old: {"pk": S("v")})])
    assert results == [(None, {"pk": S("a"), "sk": N(1), "g": S("x")}),
                       ({"pk": S("u"), "n": N(1)}, {"pk": S("u"), "n": N(2)}), (None, {"pk": S("v")})]
    assert await t.transact_get([("U", {"pk": S("u")}), ("T", {"pk": S("a"), "sk": N(1)}),
                                 ("U", {"pk": S("none")})]) == [results[1][1], results[0][1], None]
    assert len(await t.changes(after, 100)) == 1  # only T has a stream


async def test_transaction_reason_carries_the_item(t):
    await put(t, "U", {"pk": S("u")})

    def fail_with_item(old):
        raise ConditionalCheckFailedException(item=old)

    with pytest.raises(TransactionCanceledException) as error:
        await t.transact_write([("U", {"pk": S("u")}, fail_with_item)])
    assert error.value.reasons == [{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed",
                                    "Item": {"pk": S("u")}}]


async def test_transaction_cannot_touch_one_item_twice(t):
    ops = [("U", {"pk": S("u")}, lambda old: {"pk": S("u")}), ("U", {"pk": S("u")}, lambda old: None)]
    with pytest.raises(ValidationException):
        await t.transact_write(ops)
    assert await t.get_item("U", {"pk": S("u")}) is None


async def test_condition_check_only_operation_writes_nothing(t):
    await put(t, "T", {"pk": S("a"), "sk": N(1)})
    after = (await t.changes(0, 100))[-1][0]
    results = await t.transact_write([("T", {"pk": S("a"), "sk": N(1)}, lambda old: old),
                                      ("U", {"pk": S("u")}, lambda old: {"pk": S("u")})])
    assert results[0] == ({"pk": S("a"), "sk": N(1)},) * 2
    assert await t.changes(after, 100) == []


async def test_concurrent_increments_lose_no_update(t):
    key = {"pk": S("counter")}

    def increment(old):
        return {**key, "n": N(int((old or {"n": N(0)})["n"]["N"]) + 1)}

    async def worker():
        for _ in range(50):
            await t.write("U", key, increment)

    await asyncio.gather(*(worker() for _ in range(4)))
    assert await t.get_item("U", key) == {**key, "n": N(200)}


async def test_concurrent_creates_exactly_one_wins(t):
    key = {"pk": S("a"), "sk": N(1)}

    def create_once(n):
        def mutate(old):
            if old is not None:
                raise ConditionalCheckFailedException()
            return {**key, "by": N(n)}
        return mutate

    results = await asyncio.gather(*(t.write("T", key, create_once(n)) for n in range(8)), return_exceptions=True)
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(r, ConditionalCheckFailedException) for r in results if r not in winners)
    assert len((await drain(t, "T", None, S("a"), cond=RangeCondition("=", (N(1),))))[0]) == 1
    assert len(await t.changes(0, 100)) == 1


async def test_concurrent_transactions_keep_an_invariant(t):
    """Transfers between two accounts: the total never changes, whatever the interleaving."""
    a, b = {"pk": S("a")}, {"pk": S("b")}
    await put(t, "U", {**a, "n": N(100)})
    await put(t, "U", {**b, "n": N(100)})

    def add(key, delta):
        return lambda old: {**key, "n": N(int(old["n"]["N"]) + delta)}

    async def transfer(i):
        src, dst = (a, b) if i % 2 else (b, a)
        await t.transact_write([("U", src, add(src, -1)), ("U", dst, add(dst, 1))])

    await asyncio.gather(*(transfer(i) for i in range(30)))
    x, y = await t.transact_get([("U", a), ("U", b)])
    assert int(x["n"]["N"]) + int(y["n"]["N"]) == 200
    assert x["n"] == N(100)


async def test_scan_page_bytes_default(t):
    assert (await t.scan("U", None, 0, 1, None, None, MB)).items == []
