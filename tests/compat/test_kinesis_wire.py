"""Kinesis JSON 1.1 wire helpers (pure): iterators, errors, shapes."""

from __future__ import annotations

import orjson
import pytest

from overcast.compat.kinesis import wire
from overcast.streams.errors import ExpiredIterator, InvalidArgument, StreamNotFound, ValidationError


def test_iterators_round_trip_and_expire():
    token = wire.make_iterator("a.b-c", 3, 42, now=1000.0)
    assert 1 <= len(token) <= 512 and "a.b-c" not in token
    assert wire.read_iterator(token, now=1000.0 + wire.ITERATOR_TTL - 1) == ("a.b-c", 3, 42)
    with pytest.raises(ExpiredIterator, match="Iterator expired"):
        wire.read_iterator(token, now=1000.0 + wire.ITERATOR_TTL + 1)
    long = wire.make_iterator("x" * 128, 63, 2**63)
    assert len(long) <= 512


@pytest.mark.parametrize("bad", ["", "abc", "abc.def", None, 7, "x" * 600])
def test_garbage_iterators(bad):
    with pytest.raises(InvalidArgument):
        wire.read_iterator(bad)


def test_errors_carry_the_bare_kinesis_name():
    status, headers, body = wire.error(StreamNotFound("Stream s under account 0 not found."), "rid")
    assert status == 400 and (b"content-type", wire.CONTENT_TYPE) in headers
    assert orjson.loads(body) == {"__type": "ResourceNotFoundException", "message": "Stream s under account 0 not found."}


def test_blobs():
    assert wire.blob("aGk=", "Data") == b"hi"
    for bad in ("not base64!", 5, None):
        with pytest.raises(ValidationError):
            wire.blob(bad, "Data")
