"""The error policy of a stream mapping (Kinesis, DynamoDB Streams), pure: AWS Lambda's rules.

A ``StreamBatchPolicy`` drives one batch of one shard lane through retries, bisection,
partial-failure checkpoints, record age and the on-failure destination::

    plan = policy.start(records, now)
    step = plan.first
    while True:
        send step.discards to the on-failure destination   # before acknowledging them
        acknowledge records[step.completed[0]:step.completed[1]]   # checkpoint through step.checkpoint
        if step.done: break
        status, payload = invoke(step.invoke)
        step = plan.after(policy.parse_response(status, payload, step.ids), now())
"""

from __future__ import annotations

from dataclasses import dataclass

from overcast import limits
from overcast.errors import OvercastError
from overcast.sources.batching import (
    AGE_EXCEEDED,
    PARTIAL,
    RETRY_EXHAUSTED,
    SUCCESS,
    THROTTLED,
    Outcome,
    parse_response,
    record_arrival,
    record_id,
)


class InvalidMappingSetting(OvercastError):
    """An event-source mapping setting is outside the range AWS accepts."""

    code = "esm.invalid_setting"
    http_status = 400
    aws_name = "InvalidParameterValueException"


@dataclass(frozen=True)
class Discard:
    """Records to send to the on-failure destination: consecutive, with what the record needs."""

    records: tuple
    condition: str  # RetryAttemptsExhausted | RecordAgeExceeded
    attempts: int  # approximateInvokeCount
    start_seq: str
    end_seq: str
    first_arrival: float
    last_arrival: float


@dataclass(frozen=True)
class Step:
    """What to do now, in this order: send ``discards``, acknowledge ``completed`` (half-open indices
    into the batch; everything through ``checkpoint`` is done), then invoke with ``invoke``
    (``ids`` are its item identifiers). ``done``: the batch is finished."""

    discards: tuple[Discard, ...] = ()
    checkpoint: int | None = None
    completed: tuple[int, int] = (0, 0)
    invoke: tuple = ()
    ids: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        return not self.invoke


@dataclass
class _Segment:
    start: int
    end: int
    retries: int = 0
    invokes: int = 0


@dataclass(frozen=True)
class StreamBatchPolicy:
    """The error handling of a stream mapping (Kinesis, DynamoDB Streams). -1 means infinite.

    AWS rules it follows:
    - "If the function receives the records but returns an error, Lambda retries until the records in
      the batch expire, exceed the maximum age, or reach the configured retry quota."
    - Bisect: "split a failed batch into two batches ... Splitting a batch does not count towards the
      retry quota." Each half keeps the retries its parent had used; a batch of one is retried.
    - "Retry attempts ... doesn't apply to service errors or throttles where the batch didn't reach
      the function": a throttled batch is tried again without using a retry.
    - Maximum age: "The maximum age of a record that Lambda sends to your function"; checked before
      every invocation, older records go to the destination as RecordAgeExceeded.
    - Partial failure: "Lambda uses the record with the lowest sequence number as the checkpoint.
      Lambda then retries all records starting from that checkpoint." With bisect also on, "the batch
      is bisected at the returned sequence number and Lambda retries only the remaining records" (a
      split: no retry used). A report whose lowest failure is the first record is a whole failure.
    - "If the error handling measures fail, Lambda discards the records and continues processing
      batches from the stream": exhausted records go to the destination as RetryAttemptsExhausted.
    """

    max_retry_attempts: int = -1
    bisect: bool = False
    max_record_age: int = -1
    report_item_failures: bool = False

    def __post_init__(self) -> None:
        retry = limits.LIMITS["esm.retry_attempts"]
        if not -1 <= self.max_retry_attempts <= retry.value:
            raise InvalidMappingSetting(retry.describe_violation(self.max_retry_attempts))
        age = limits.LIMITS["esm.record_age"]
        if self.max_record_age != -1 and not (age.minimum or 0) <= self.max_record_age <= age.value:
            raise InvalidMappingSetting(age.describe_violation(self.max_record_age) + "; or -1 for no maximum")

    def parse_response(self, status: str, payload: bytes | None, ids) -> Outcome:
        return parse_response(status, payload, list(ids), self.report_item_failures)

    def start(self, records, now: float, *, id_of=record_id, arrival_of=record_arrival) -> BatchPlan:
        """A plan for one batch (records in sequence order); its first step is ``plan.first``."""
        return BatchPlan(self, records, now, id_of, arrival_of)


class BatchPlan:
    """One batch in flight. Segments are processed in order, so the checkpoint only moves forward."""

    def __init__(self, policy: StreamBatchPolicy, records, now: float, id_of, arrival_of) -> None:
        self.policy = policy
        self.records = tuple(records)
        self.ids = [id_of(r) for r in self.records]
        self.arrivals = [arrival_of(r) for r in self.records]
        self._pending: list[_Segment] = [_Segment(0, len(self.records))] if self.records else []
        self._acked = 0  # records[:_acked] are done
        self.first = self._advance(now, [])

    def after(self, outcome: Outcome, now: float) -> Step:
        """The next step once the invocation of the last step's ``invoke`` ended with ``outcome``."""
        if not self._pending:
            raise RuntimeError("the batch is finished; nothing was in flight")
        seg, discards = self._pending[0], []
        if outcome.kind == THROTTLED:
            return self._advance(now, discards)
        seg.invokes += 1
        if outcome.kind == SUCCESS:
            self._pending.pop(0)
        elif outcome.kind == PARTIAL and self._lowest_failed(seg, outcome) > seg.start:
            seg.start = self._lowest_failed(seg, outcome)
            if not self.policy.bisect:
                self._retry_or_discard(seg, discards)
        else:
            self._fail(seg, discards)
        return self._advance(now, discards)

    def _lowest_failed(self, seg: _Segment, outcome: Outcome) -> int:
        failed = set(outcome.failed)
        hits = [i for i in range(seg.start, seg.end) if self.ids[i] in failed]
        return min(hits) if hits else seg.start  # ids not in flight: treat as a whole failure

    def _fail(self, seg: _Segment, discards: list) -> None:
        if self.policy.bisect and seg.end - seg.start > 1:
            mid = seg.start + (seg.end - seg.start) // 2
            self._pending[0:1] = [_Segment(seg.start, mid, seg.retries, seg.invokes),
                                  _Segment(mid, seg.end, seg.retries, seg.invokes)]
        else:
            self._retry_or_discard(seg, discards)

    def _retry_or_discard(self, seg: _Segment, discards: list) -> None:
        if self.policy.max_retry_attempts == -1 or seg.retries < self.policy.max_retry_attempts:
            seg.retries += 1
        else:
            self._pending.pop(0)
            discards.append(self._discard(seg.start, seg.end, RETRY_EXHAUSTED, seg.invokes))

    def _discard(self, start: int, end: int, condition: str, attempts: int) -> Discard:
        return Discard(self.records[start:end], condition, attempts, self.ids[start], self.ids[end - 1],
                       self.arrivals[start], self.arrivals[end - 1])

    def _expired(self, i: int, now: float) -> bool:
        age = self.policy.max_record_age
        return age != -1 and now - self.arrivals[i] > age

    def _advance(self, now: float, discards: list) -> Step:
        while self._pending:
            seg = self._pending[0]
            cut = seg.start
            while cut < seg.end and self._expired(cut, now):
                cut += 1
            if cut > seg.start:
                discards.append(self._discard(seg.start, cut, AGE_EXCEEDED, seg.invokes))
                seg.start = cut
            if seg.start < seg.end:
                break
            self._pending.pop(0)
        done_to = self._pending[0].start if self._pending else len(self.records)
        completed, self._acked = (self._acked, done_to), max(self._acked, done_to)
        checkpoint = done_to - 1 if completed[1] > completed[0] else None
        if not self._pending:
            return Step(tuple(discards), checkpoint, completed)
        seg = self._pending[0]
        return Step(tuple(discards), checkpoint, completed, self.records[seg.start:seg.end],
                    tuple(self.ids[seg.start:seg.end]))

