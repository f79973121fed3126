"""Stack-file syntax of streams, queues, function events and async settings: defaults, and each mistake at its line."""

import pytest

from overcast.spec import FunctionSpec, StackSpec
from overcast.spec.declared import Declared
from overcast.spec.events import EventSpec, check_filter_pattern, schedule_shape

FULL = """
stack: shop
streams:
  orders:
    name: orders-${stage}
    shards: 2
queues:
  jobs: {name: "jobs-${stage}", visibilityTimeout: 60, redrive: {deadLetterQueue: jobs-dlq, maxReceiveCount: 5}}
  jobs-dlq: {}
  ordered: {fifo: true, contentBasedDeduplication: true}
tables:
  todos: {partitionKey: {name: id, type: S}, stream: NEW_AND_OLD_IMAGES}
functions:
  consume:
    handler: app.handler
    events:
      - stream:
          stream: orders
          filterPatterns: [{data: {kind: [order]}}, '{"partitionKey": [{"prefix": "a"}]}']
      - stream: {table: todos, destinations: {onFailure: "queue:jobs"}}
      - sqs: {queue: jobs, batchSize: 100, maximumBatchingWindow: 5, maximumConcurrency: 3}
      - sqs: {queue: ordered}
      - schedule: rate(5 minutes)
      - schedule: {rate: "cron(0 12 * * ? *)", input: {k: v}, enabled: false, description: noon}
    async:
      maximumRetryAttempts: 1
      destinations: {onSuccess: "queue:jobs", onFailure: "function:consume"}
"""


def test_full_syntax_loads_with_defaults_and_round_trips(stack_dir):
    spec = stack_dir.load(FULL, stage="prod").spec
    assert spec.streams["orders"].physical_name("orders") == "orders-prod"
    assert (spec.streams["orders"].shards, spec.streams["orders"].retentionHours) == (2, 24)
    assert spec.queues["ordered"].physical_name("ordered") == "ordered.fifo"
    assert spec.queues["jobs-dlq"].visibilityTimeout == 30
    fn = spec.functions["consume"]
    stream = fn.events[0].stream
    assert (stream.batchSize, stream.startingPosition, stream.maximumRetryAttempts, stream.bisectBatchOnFunctionError,
            stream.maximumRecordAgeInSeconds, stream.parallelizationFactor) == (100, "TRIM_HORIZON", 3, True, -1, 1)
    assert stream.filterPatterns == [{"data": {"kind": ["order"]}}, {"partitionKey": [{"prefix": "a"}]}]
    assert [e.kind for e in fn.events] == ["stream", "stream", "sqs", "sqs", "schedule", "schedule"]
    assert fn.events[4].schedule.rate == "rate(5 minutes)" and fn.events[4].schedule.enabled
    assert fn.async_.maximumRetryAttempts == 1 and fn.async_.maximumEventAge == 21600

    dumped = spec.model_dump(mode="json")
    assert "async" in dumped["functions"]["consume"] and "async_" not in dumped["functions"]["consume"]
    assert dumped["functions"]["consume"]["events"][2] == {"sqs": {
        "queue": "jobs", "maximumBatchingWindow": 5, "batchSize": 100, "functionResponseTypes": [],
        "maximumConcurrency": 3, "filterPatterns": [], "enabled": True}}
    assert StackSpec.model_validate(dumped) == spec


def test_a_function_alone_takes_async_by_name_or_alias():
    assert FunctionSpec(handler="app.handler", async_={"maximumRetryAttempts": 0}).async_.maximumRetryAttempts == 0
    fn = FunctionSpec.model_validate({"handler": "app.handler", "async": {"maximumEventAge": 60}})
    assert fn.model_dump()["async"]["maximumEventAge"] == 60
    assert FunctionSpec(handler="app.handler").events == []


def p_at(stack_dir, text):
    p = stack_dir.problem(text)
    return p.line, p.path, p.message


HEAD = """
stack: shop
streams: {orders: {}}
queues: {jobs: {}, ordered: {fifo: true}}
tables:
  plain: {partitionKey: {name: id, type: S}}
  todos: {partitionKey: {name: id, type: S}, stream: KEYS_ONLY}
functions:
  f:
    handler: app.handler
    events:
"""


@pytest.mark.parametrize("event, path, words", [
    ("- kinesis: {stream: orders}", "events[0].kinesis", "allowed keys: stream, sqs, schedule"),
    ("- {}", "events[0]", "exactly one source"),
    ("- {sqs: {queue: jobs}, schedule: rate(1 hour)}", "events[0]", "exactly one source"),
    ("- stream: {stream: orders, table: todos}", "events[0].stream", "exactly one source"),
    ("- stream: {batchSize: 5}", "events[0].stream", "exactly one source"),
    ("- stream: {table: plain}", "events[0].stream.table", "has no change stream"),
    ("- stream: {stream: 'bad name!'}", "events[0].stream.stream", "nor a valid physical stream name"),
    ("- stream: {stream: orders, startingPosition: AT_TIMESTAMP}", "events[0].stream",
     "startingPositionTimestamp (epoch seconds) is required"),
    ("- stream: {stream: orders, startingPositionTimestamp: 17}", "events[0].stream", "allowed only with it"),
    ("- stream: {table: todos, startingPosition: AT_TIMESTAMP, startingPositionTimestamp: 1}", "events[0].stream",
     "for streams only"),
    ("- stream: {table: todos, batchSize: 1001}", "events[0].stream", "between 1 and 1000"),
    ("- stream: {stream: orders, batchSize: 10001}", "events[0].stream.batchSize", "limit esm.batch_size"),
    ("- stream: {stream: orders, maximumBatchingWindow: 301}", "events[0].stream.maximumBatchingWindow",
     "limit esm.batching_window"),
    ("- stream: {stream: orders, parallelizationFactor: 11}", "events[0].stream.parallelizationFactor",
     "limit esm.parallelization"),
    ("- stream: {stream: orders, maximumRetryAttempts: -2}", "events[0].stream.maximumRetryAttempts",
     "between -1 and 10000"),
    ("- stream: {stream: orders, maximumRecordAgeInSeconds: 59}", "events[0].stream.maximumRecordAgeInSeconds",
     "or -1 for no limit"),
    ("- stream: {stream: orders, functionResponseTypes: [Other]}", "events[0].stream.functionResponseTypes[0]", ""),
    ("- stream: {stream: orders, destinations: {onFailure: 'sns:x'}}", "events[0].stream.destinations.onFailure",
     "queue:NAME or stream:NAME"),
    ("- stream: {stream: orders, filterPatterns: ['{nope']}", "events[0].stream.filterPatterns[0]", "not valid JSON"),
    ("- stream: {stream: orders, filterPatterns: [{data: 1}]}", "events[0].stream.filterPatterns[0]",
     "non-empty list of values"),
    ("- sqs: {queue: jobs, batchSize: 11}", "events[0].sqs", "without a maximumBatchingWindow"),
    ("- sqs: {queue: ordered, batchSize: 20, maximumBatchingWindow: 0}", "events[0].sqs", "FIFO queue"),
    ("- sqs: {queue: ordered, maximumBatchingWindow: 1}", "events[0].sqs", "FIFO queue"),
    ("- sqs: {queue: other.fifo, maximumBatchingWindow: 1}", "events[0].sqs", "FIFO queue"),
    ("- sqs: {queue: jobs, maximumConcurrency: 1}", "events[0].sqs.maximumConcurrency", "between 2 and 1000"),
    ("- sqs: {queue: 'no way'}", "events[0].sqs.queue", "nor a valid physical queue name"),
    ("- schedule: every 5 minutes", "events[0].schedule.rate", "'rate(VALUE UNIT)' or 'cron(FIELDS)'"),
    ("- schedule: {rate: rate(1 hour), input: 3}", "events[0].schedule.input", ""),
    ("- schedule: rate(5 minute)", "events[0].schedule.rate", "schedule rate(5 minute): the unit must be"),
])
def test_event_mistakes_are_reported_at_their_line(stack_dir, event, path, words):
    line, where, message = p_at(stack_dir, HEAD + "      " + event + "\n")
    assert line == 11 and where == "functions.f." + path
    assert words in message, message


def test_duplicate_source_and_short_visibility_are_refused(stack_dir):
    text = HEAD.replace("jobs: {}", "jobs: {name: jobs-x}") + "      - sqs: {queue: jobs}\n      - sqs: {queue: jobs-x}\n"
    line, where, message = p_at(stack_dir, text)
    assert (line, where) == (10, "functions.f.events")
    assert "events[1] consumes queue 'jobs-x' again (events[0] already does)" in message
    text = HEAD.replace("handler: app.handler", "handler: app.handler\n    timeout: 60") + "      - sqs: {queue: jobs}\n"
    assert "visibilityTimeout 30 s, less than the function's timeout 60 s" in p_at(stack_dir, text)[2]


@pytest.mark.parametrize("queues, words", [
    ("bad.fifo: {}", "needs fifo: true"),
    ("q: {name: q.fifo}", "must end in '.fifo' exactly when fifo is true"),
    ("q: {contentBasedDeduplication: true}", "FIFO queues only"),
    ("q: {visibilityTimeout: 43201}", "limit sqs.visibility_timeout"),
    ("q: {retentionPeriod: 59}", "limit sqs.retention_seconds"),
    ("q: {maximumMessageSize: 1000}", "between 1024 and 262144"),
    ("q: {redrive: {deadLetterQueue: d, maxReceiveCount: 0}}", "between 1 and 1000"),
    ("{q: {fifo: true, redrive: {deadLetterQueue: d, maxReceiveCount: 2}}, d: {}}", "must be a FIFO queue"),
])
def test_queue_mistakes(stack_dir, queues, words):
    body = queues if queues.startswith("{") else "{" + queues + "}"
    p = stack_dir.problem(f"stack: s\nqueues: {body}\nfunctions: {{f: {{handler: app.handler}}}}\n")
    assert p.line == 2 and words in p.message, p.message


@pytest.mark.parametrize("stream, words", [
    ("{shards: 0}", "limit kinesis.shards_per_stream"),
    ("{retentionHours: 23}", "limit kinesis.retention_hours"),
    ("{name: 'a b'}", "1-128 letters"),
])
def test_stream_mistakes(stack_dir, stream, words):
    p = stack_dir.problem(f"stack: s\nstreams: {{o: {stream}}}\nfunctions: {{f: {{handler: app.handler}}}}\n")
    assert p.line == 2 and words in p.message, p.message


def test_async_mistakes(stack_dir):
    problems = stack_dir.problems("""
        stack: s
        functions:
          f:
            handler: app.handler
            async:
              maximumRetryAttempts: 3
              maximumEventAge: 59
              destinations: {onSuccess: "lambda:x", onFailure: "function:other-stack.fn"}
        """)
    assert [(p.line, p.path) for p in problems] == [
        (6, "functions.f.async.maximumRetryAttempts"), (7, "functions.f.async.maximumEventAge"),
        (8, "functions.f.async.destinations.onSuccess")]
    assert "limit lambda.async_retries" in problems[0].message
    assert "queue:NAME, stream:NAME or function:NAME" in problems[2].message


def test_physical_names_and_arns_outside_the_stack_are_accepted(stack_dir):
    spec = stack_dir.load("""
        stack: s
        functions:
          f:
            handler: app.handler
            events:
              - stream: {stream: "arn:aws:kinesis:us-east-1:000000000000:stream/theirs"}
              - stream: {table: "arn:aws:dynamodb:us-east-1:000000000000:table/t12/stream/2024-01-01T00:00:00.000"}
              - sqs: {queue: "arn:aws:sqs:us-east-1:000000000000:their-queue"}
              - stream: {stream: other-stream, destinations: {onFailure: "stream:elsewhere"}}
        """).spec
    assert len(spec.functions["f"].events) == 4


def test_pure_helpers():
    check_filter_pattern({"$or": [{"a": [1]}, {"b": [{"numeric": [">", 2]}]}]}, "p")
    with pytest.raises(ValueError, match="one of"):
        check_filter_pattern({"a": [{"begins": "x"}]}, "p")
    assert schedule_shape("cron(0 12 * * ? *)") == "cron(0 12 * * ? *)"
    assert EventSpec.model_validate({"schedule": "rate(1 day)"}).schedule.rate == "rate(1 day)"
    declared = Declared.of({"queues": {"a": {"fifo": True}, "b": {"name": "bee"}}, "streams": {"s": {"name": "x"}}})
    assert declared.physical("queue", "a") == "a.fifo" and declared.queue_is_fifo("a")
    assert declared.logical_queue("bee") == "b" and declared.physical("stream", "s") == "x"
    assert declared.physical("queue", "arn:aws:sqs:eu-west-1:123456789012:z") == "z"
