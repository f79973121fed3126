"""Batch results and the stream error policy: AWS's rules, one test each."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from overcast.sources.batching import (
    AGE_EXCEEDED,
    FAILURE,
    PARTIAL,
    RETRY_EXHAUSTED,
    SUCCESS,
    THROTTLED,
    Outcome,
    parse_response,
    sqs_result,
)
from overcast.sources.plan import InvalidMappingSetting, StreamBatchPolicy

IDS = ["a", "b", "c"]


def report(items) -> bytes:
    return json.dumps({"batchItemFailures": items}).encode()


# --- parse_response -------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [b"", b"  ", b"null", b"{}", report([]), json.dumps({"batchItemFailures": None}
                                                                                          ).encode(),
                                     b'{"other": 1}'])
def test_complete_success_responses(payload):
    assert parse_response("ok", payload, IDS, True) == Outcome(SUCCESS)


def test_none_payload_is_success():
    assert parse_response("ok", None, IDS, True).kind == SUCCESS


@pytest.mark.parametrize("payload", [
    report([{"itemIdentifier": ""}]),  # an empty string itemIdentifier
    report([{"itemIdentifier": None}]),  # a null itemIdentifier
    report([{"itemId": "a"}]),  # an itemIdentifier with a bad key name
    report([{"itemIdentifier": "zzz"}]),  # an id that is not in the batch
    report([{"itemIdentifier": 5}]),  # not a string
    report(["a"]),  # an item that is not an object
    report([{"itemIdentifier": "a"}, {"itemIdentifier": ""}]),  # one bad item fails all
    b'{"batchItemFailures": "a"}',  # not a list
    b'{"batchItemFailures": [',  # invalid JSON
    b'"done"',  # not an object
    b"[1, 2]",
])
def test_complete_failure_responses(payload):
    out = parse_response("ok", payload, IDS, True)
    assert out.kind == FAILURE and out.error_type == "InvalidBatchItemFailures" and out.error_message


def test_partial_failure_lists_the_failed_ids_once():
    out = parse_response("ok", report([{"itemIdentifier": "c"}, {"itemIdentifier": "a"}, {"itemIdentifier": "c"}]),
                         IDS, True)
    assert out == Outcome(PARTIAL, failed=("c", "a"))


def test_function_error_fails_the_whole_batch_even_with_a_report():
    out = parse_response("error", b'{"errorMessage": "boom", "errorType": "KeyError", "stackTrace": []}', IDS, True)
    assert out == Outcome(FAILURE, error_type="KeyError", error_message="boom")
    assert parse_response("error", b"Task timed out", IDS, False).kind == FAILURE
    assert parse_response("error", None, IDS, False).error_type == "Unhandled"


def test_without_report_item_failures_the_response_is_ignored():
    assert parse_response("ok", report([{"itemIdentifier": "a"}]), IDS, False).kind == SUCCESS
    assert parse_response("ok", b"not json at all", IDS, False).kind == SUCCESS


def test_throttled_and_unknown_status():
    assert parse_response("throttled", None, IDS, True).kind == THROTTLED
    with pytest.raises(ValueError, match="status"):
        parse_response("maybe", None, IDS, True)


def test_sqs_result():
    assert sqs_result(Outcome(SUCCESS), IDS) == (IDS, [])
    assert sqs_result(Outcome(PARTIAL, failed=("b",)), IDS) == (["a", "c"], ["b"])
    assert sqs_result(Outcome(FAILURE), IDS) == ([], IDS)
    assert sqs_result(Outcome(THROTTLED), IDS) == ([], IDS)


# --- the stream policy ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rec:
    sequence_number: str
    arrival: float


def recs(n: int, arrival: float = 1000.0) -> list[Rec]:
    return [Rec(f"{i + 1:03d}", arrival + i) for i in range(n)]


class Run:
    """Drives a plan the way a lane does; ``fn(records, call_no) -> (status, payload)``."""

    def __init__(self, policy: StreamBatchPolicy, records, fn, clock=lambda n: 2000.0, limit: int = 1000):
        self.invocations, self.discards, self.completed, self.checkpoints = [], [], [], []
        plan = policy.start(records, clock(0))
        step = plan.first
        while True:
            self.discards.extend(step.discards)
            if step.completed[1] > step.completed[0]:
                self.completed.append(step.completed)
                self.checkpoints.append(step.checkpoint)
            if step.done:
                break
            assert len(self.invocations) < limit, "the plan does not end"
            self.invocations.append(step.invoke)
            status, payload = fn(step.invoke, len(self.invocations))
            step = plan.after(policy.parse_response(status, payload, step.ids), clock(len(self.invocations)))
        self.records = list(records)

    def check_complete(self):
        """Every record finished exactly once, in order, and the checkpoint only moved forward."""
        spans = [i for lo, hi in self.completed for i in range(lo, hi)]
        assert spans == list(range(len(self.records)))
        assert self.checkpoints == sorted(self.checkpoints) and self.checkpoints[-1] == len(self.records) - 1


def ok(_records, _n):
    return "ok", b"null"


def fail(_records, _n):
    return "error", b'{"errorType": "Boom", "errorMessage": "no"}'


def test_success_checkpoints_the_whole_batch():
    run = Run(StreamBatchPolicy(), recs(5), ok)
    assert len(run.invocations) == 1 and run.discards == []
    assert run.completed == [(0, 5)] and run.checkpoints == [4]


def test_empty_batch_is_done_at_once():
    plan = StreamBatchPolicy().start([], 0.0)
    assert plan.first.done and plan.first.checkpoint is None
    with pytest.raises(RuntimeError):
        plan.after(Outcome(SUCCESS), 0.0)


def test_retries_exhausted_go_to_the_destination():
    run = Run(StreamBatchPolicy(max_retry_attempts=2), recs(4), fail)
    assert len(run.invocations) == 3  # the first attempt and two retries
    (d,) = run.discards
    assert d.condition == RETRY_EXHAUSTED and d.attempts == 3
    assert (d.start_seq, d.end_seq, len(d.records)) == ("001", "004", 4)
    assert (d.first_arrival, d.last_arrival) == (1000.0, 1003.0)
    run.check_complete()


def test_zero_retries_discards_after_one_attempt():
    run = Run(StreamBatchPolicy(max_retry_attempts=0), recs(2), fail)
    assert len(run.invocations) == 1 and run.discards[0].attempts == 1


def test_infinite_retries_never_discard():
    run = Run(StreamBatchPolicy(max_retry_attempts=-1), recs(3), lambda r, n: fail(r, n) if n < 60 else ok(r, n))
    assert len(run.invocations) == 60 and run.discards == []
    run.check_complete()


def test_bisect_isolates_one_poison_record_in_sixteen_without_using_retries():
    poison = "012"
    batch = recs(16)

    def fn(records, _n):
        return fail(records, _n) if any(r.sequence_number == poison for r in records) else ok(records, _n)

    run = Run(StreamBatchPolicy(max_retry_attempts=2, bisect=True), batch, fn)
    (d,) = run.discards
    assert [r.sequence_number for r in d.records] == [poison] and d.condition == RETRY_EXHAUSTED
    sizes_with_poison = [len(b) for b in run.invocations if any(r.sequence_number == poison for r in b)]
    # splits 16 → 8 → 4 → 2 → 1 use no retry; then the lone record gets its 2 retries
    assert sizes_with_poison == [16, 8, 4, 2, 1, 1, 1]
    assert d.attempts == len(sizes_with_poison)
    good = [r.sequence_number for b in run.invocations if poison not in [r.sequence_number for r in b] for r in b]
    assert good == [r.sequence_number for r in batch if r.sequence_number != poison]  # each once, in order
    run.check_complete()


def test_bisect_with_zero_retries_still_splits_down_to_the_record():
    batch = recs(4)
    run = Run(StreamBatchPolicy(max_retry_attempts=0, bisect=True), batch,
              lambda rs, n: fail(rs, n) if batch[0] in rs else ok(rs, n))
    assert [len(b) for b in run.invocations] == [4, 2, 1, 1, 2]  # the poisoned 1, its neighbour, the other half
    assert [r.sequence_number for r in run.discards[0].records] == ["001"]
    run.check_complete()


def test_partial_failure_checkpoints_before_the_lowest_failed_and_retries_from_it():
    batch = recs(6)

    def fn(records, _n):
        ids = [r.sequence_number for r in records]
        return "ok", report([{"itemIdentifier": i} for i in ("005", "003") if i in ids])

    run = Run(StreamBatchPolicy(max_retry_attempts=2, report_item_failures=True), batch, fn)
    assert [[r.sequence_number for r in b] for b in run.invocations] == [
        ["001", "002", "003", "004", "005", "006"], ["003", "004", "005", "006"], ["003", "004", "005", "006"]]
    assert run.completed[0] == (0, 2) and run.checkpoints[0] == 1
    (d,) = run.discards
    assert (d.start_seq, d.end_seq, len(d.records), d.attempts) == ("003", "006", 4, 3)
    run.check_complete()


def test_partial_failure_with_no_retries_left():
    def fn(records, n):
        return ("ok", report([{"itemIdentifier": "002"}])) if n == 1 else ok(records, n)

    run = Run(StreamBatchPolicy(max_retry_attempts=0, report_item_failures=True), recs(3), fn)
    # zero retries: the rest goes to the destination, then everything is acknowledged in one step
    assert len(run.invocations) == 1 and run.completed == [(0, 3)]
    (d,) = run.discards
    assert (d.start_seq, d.end_seq, d.attempts) == ("002", "003", 1)


def test_partial_failure_with_bisect_does_not_use_a_retry():
    seen = []

    def fn(records, n):
        seen.append(records[0].sequence_number)
        ids = [r.sequence_number for r in records]
        return "ok", report([{"itemIdentifier": ids[1]}] if len(ids) > 1 else [])

    run = Run(StreamBatchPolicy(max_retry_attempts=0, bisect=True, report_item_failures=True), recs(4), fn)
    assert seen == ["001", "002", "003", "004"]  # bisected at each reported record, nothing discarded
    assert run.discards == []
    run.check_complete()


def test_partial_failure_on_the_first_record_is_a_whole_failure():
    def fn(records, n):
        return "ok", report([{"itemIdentifier": records[0].sequence_number}])

    run = Run(StreamBatchPolicy(max_retry_attempts=1, report_item_failures=True), recs(3), fn)
    assert [len(b) for b in run.invocations] == [3, 3]
    assert run.discards[0].attempts == 2 and len(run.discards[0].records) == 3

    bis = Run(StreamBatchPolicy(max_retry_attempts=0, bisect=True, report_item_failures=True), recs(2), fn)
    assert [len(b) for b in bis.invocations] == [2, 1, 1]  # bisected like any failure
    assert len(bis.discards) == 2
    bis.check_complete()


def test_throttles_use_no_retry():
    def fn(records, n):
        return ("throttled", None) if n <= 5 else fail(records, n)

    run = Run(StreamBatchPolicy(max_retry_attempts=1), recs(2), fn)
    assert len(run.invocations) == 7  # 5 throttles + the attempt + its retry
    assert run.discards[0].attempts == 2


def test_old_records_are_dropped_before_invoking():
    batch = recs(5, arrival=1000.0)  # arrivals 1000..1004
    run = Run(StreamBatchPolicy(max_record_age=60), batch, ok, clock=lambda n: 1062.5)
    (d,) = run.discards
    assert d.condition == AGE_EXCEEDED and d.attempts == 0
    assert [r.sequence_number for r in d.records] == ["001", "002", "003"]  # older than 60 s at 1062.5
    assert [[r.sequence_number for r in b] for b in run.invocations] == [["004", "005"]]
    assert run.completed == [(0, 3), (3, 5)]
    run.check_complete()


def test_records_aging_during_retries_are_dropped():
    batch = [Rec("001", 1000.0), Rec("002", 1020.0), Rec("003", 1040.0)]
    run = Run(StreamBatchPolicy(max_record_age=60, max_retry_attempts=-1), batch, fail,
              clock=lambda n: 1000.0 + 30 * n)  # 1000, 1030, 1060, 1090, 1120
    assert [len(b) for b in run.invocations] == [3, 3, 3, 1]
    assert [(d.condition, d.start_seq, len(d.records), d.attempts) for d in run.discards] == [
        (AGE_EXCEEDED, "001", 2, 3), (AGE_EXCEEDED, "003", 1, 4)]
    run.check_complete()


def test_all_records_too_old_means_no_invocation():
    run = Run(StreamBatchPolicy(max_record_age=60), recs(3), ok, clock=lambda n: 5000.0)
    assert run.invocations == [] and len(run.discards) == 1
    run.check_complete()


def test_dynamodb_records_are_read_from_their_stream_shape():
    ddb = [{"dynamodb": {"SequenceNumber": f"{i:021d}", "ApproximateCreationDateTime": 1000.0 + i}}
           for i in range(3)]
    plan = StreamBatchPolicy(max_record_age=60).start(ddb, 1061.5)
    assert plan.first.ids == ("000000000000000000002",)
    assert plan.first.discards[0].start_seq == "000000000000000000000"


@pytest.mark.parametrize("kwargs,limit", [({"max_retry_attempts": 10001}, "esm.retry_attempts"),
                                          ({"max_retry_attempts": -2}, "esm.retry_attempts"),
                                          ({"max_record_age": 59}, "esm.record_age"),
                                          ({"max_record_age": 604801}, "esm.record_age")])
def test_settings_outside_aws_ranges_are_rejected(kwargs, limit):
    with pytest.raises(InvalidMappingSetting, match=limit) as err:
        StreamBatchPolicy(**kwargs)
    assert err.value.http_status == 400 and err.value.aws_name == "InvalidParameterValueException"
    assert str(list(kwargs.values())[0]) in str(err.value)


def test_settings_at_the_edges_are_accepted():
    StreamBatchPolicy(max_retry_attempts=10000, max_record_age=604800)
    StreamBatchPolicy(max_retry_attempts=-1, max_record_age=-1)
    StreamBatchPolicy(max_record_age=60)
