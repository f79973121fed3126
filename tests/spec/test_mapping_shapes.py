"""Derived names of implied dead-letter queues: shortened to AWS's limit with a hash (pure)."""

from overcast.spec.mapping_shapes import fit_name, function_dlq, source_dlq


def test_long_names_are_shortened_with_a_hash():
    name = function_dlq("s" * 64, "stage-name-that-is-long", "f" * 64)
    assert len(name) == 80 and name.endswith("-dlq")
    assert name != function_dlq("s" * 64, "stage-name-that-is-long", "f" * 63 + "g")
    assert fit_name("abc", "-dlq") == "abc-dlq"
    long_fifo = source_dlq("q" * 75 + ".fifo")
    assert len(long_fifo) == 80 and long_fifo.endswith("-dlq.fifo")
