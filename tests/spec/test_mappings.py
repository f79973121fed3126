"""Normalized event-source mappings, schedules, async settings and implied dead-letter queues (pure)."""

from overcast.spec import load_stack_text
from overcast.spec.mappings import (
    AsyncConfig,
    async_config_of,
    mapping_id,
    mappings_of,
    queues_of,
    schedules_of,
    streams_of,
)

STACK = """
stack: shop
streams:
  orders: {name: "orders-${stage}", shards: 2}
queues:
  jobs: {name: "jobs-${stage}", redrive: {deadLetterQueue: jobs-dlq, maxReceiveCount: 5}}
  jobs-dlq: {}
  plain: {}
  ordered: {fifo: true}
  failed: {name: "failed-${stage}"}
tables:
  todos: {name: "todos-${stage}", partitionKey: {name: id, type: S}, stream: NEW_AND_OLD_IMAGES}
functions:
  consume:
    handler: app.handler
    events:
      - stream: {stream: orders, filterPatterns: [{data: {kind: [order]}}], functionResponseTypes: [ReportBatchItemFailures]}
      - stream: {table: todos, batchSize: 5, destinations: {onFailure: "queue:failed"}}
      - stream: {stream: theirs, startingPosition: AT_TIMESTAMP, startingPositionTimestamp: 1700000000}
      - sqs: {queue: plain, maximumConcurrency: 4}
      - sqs: {queue: ordered}
      - sqs: {queue: jobs}
      - schedule: rate(5 minutes)
      - schedule: {rate: "cron(0 12 * * ? *)", input: {k: v}, enabled: false, description: noon}
    async:
      maximumRetryAttempts: 0
      destinations: {onSuccess: "queue:failed", onFailure: "function:other"}
  other:
    handler: app.handler
    events:
      - stream: {table: "arn:aws:dynamodb:us-east-1:000000000000:table/ext-table/stream/x", enabled: false}
"""


def stored(stage="prod") -> dict:
    """The spec as the desired-state document holds it."""
    return load_stack_text(STACK, stage=stage, env={}).spec.model_dump(mode="json")


def test_mappings_have_every_default_and_physical_names():
    ms = mappings_of("prod", "shop", stored())
    assert [(m.function, m.source, m.source_name) for m in ms] == [
        ("consume", "kinesis", "orders-prod"), ("consume", "dynamodb", "todos-prod"), ("consume", "kinesis", "theirs"),
        ("consume", "sqs", "plain"), ("consume", "sqs", "ordered.fifo"), ("consume", "sqs", "jobs-prod"),
        ("other", "dynamodb", "ext-table"),
    ]
    orders, todos, theirs, plain, ordered, _, ext = ms
    assert (orders.stage, orders.stack, orders.batch_size, orders.window, orders.starting_position,
            orders.starting_timestamp, orders.parallelization, orders.max_retries, orders.max_record_age,
            orders.bisect, orders.report_failures, orders.enabled, orders.max_concurrency) == (
        "prod", "shop", 100, 0, "TRIM_HORIZON", None, 1, 3, -1, True, True, True, None)
    assert orders.filters == [{"data": {"kind": ["order"]}}]
    assert orders.on_failure == "queue:shop-prod-consume-dlq" == theirs.on_failure
    assert (todos.batch_size, todos.on_failure, todos.report_failures) == (5, "queue:failed-prod", False)
    assert (theirs.starting_position, theirs.starting_timestamp) == ("AT_TIMESTAMP", 1700000000.0)
    assert (plain.batch_size, plain.on_failure, plain.bisect, plain.max_concurrency, plain.starting_position) == (
        10, None, False, 4, None)
    assert ordered.max_concurrency is None and not ext.enabled
    assert ext.on_failure == "queue:shop-prod-other-dlq"


def test_mapping_ids_are_stable_and_distinct():
    ids = [m.id for m in mappings_of("prod", "shop", stored())]
    assert ids == [m.id for m in mappings_of("prod", "shop", stored())]
    assert len(set(ids)) == len(ids)
    assert ids[0] == mapping_id("prod", "shop", "consume", "kinesis", "orders-prod")
    assert ids[0] not in {m.id for m in mappings_of("dev", "shop", stored("dev"))}


def test_schedules():
    entries = schedules_of("prod", "shop", stored())
    assert [(e.id, e.function, e.expression, e.input, e.enabled, e.description) for e in entries] == [
        ("shop-prod-consume-schedule-1", "consume", "rate(5 minutes)", None, True, None),
        ("shop-prod-consume-schedule-2", "consume", "cron(0 12 * * ? *)", {"k": "v"}, False, "noon"),
    ]


def test_async_config_resolves_names_and_defaults_as_aws():
    spec = stored()
    assert async_config_of(spec, "consume") == AsyncConfig(0, 21600, "queue:failed-prod", "function:shop.other")
    assert async_config_of(spec, "other") == AsyncConfig(2, 21600, None, None)
    # a spec dumped by field name (async_) reads the same
    renamed = {**spec, "functions": {"consume": {**spec["functions"]["consume"]}}}
    renamed["functions"]["consume"]["async_"] = renamed["functions"]["consume"].pop("async")
    assert async_config_of(renamed, "consume").max_retries == 0


def test_streams_and_queues_with_implied_dead_letter_queues():
    assert streams_of(stored()) == {"orders": {"name": "orders-prod", "shards": 2, "retentionHours": 24,
                                               "deletionPolicy": "retain"}}
    queues = queues_of("prod", "shop", stored())
    assert sorted(queues) == ["dlq/ordered-dlq.fifo", "dlq/plain-dlq", "dlq/shop-prod-consume-dlq",
                              "dlq/shop-prod-other-dlq", "failed", "jobs", "jobs-dlq", "ordered", "plain"]
    assert queues["jobs"]["redrive"] == {"deadLetterQueue": "jobs-dlq", "maxReceiveCount": 5}
    assert queues["plain"]["redrive"] == {"deadLetterQueue": "plain-dlq", "maxReceiveCount": 3}
    assert queues["ordered"]["redrive"] == {"deadLetterQueue": "ordered-dlq.fifo", "maxReceiveCount": 3}
    assert queues["failed"]["redrive"] is None and queues["jobs-dlq"]["redrive"] is None  # not consumed
    assert queues["dlq/ordered-dlq.fifo"]["fifo"] is True
    implied = queues["dlq/shop-prod-consume-dlq"]
    assert implied == {"name": "shop-prod-consume-dlq", "fifo": False, "contentBasedDeduplication": False,
                       "visibilityTimeout": 30, "delaySeconds": 0, "retentionPeriod": 1209600,
                       "maximumMessageSize": 262144, "receiveWaitTime": 0, "redrive": None,
                       "deletionPolicy": "retain"}


def test_an_implied_queue_the_stack_declares_itself_is_not_added_twice():
    text = STACK.replace("  failed:", "  mine: {name: shop-prod-consume-dlq}\n  failed:")
    queues = queues_of("prod", "shop", load_stack_text(text, stage="prod", env={}).spec.model_dump(mode="json"))
    assert "dlq/shop-prod-consume-dlq" not in queues and queues["mine"]["name"] == "shop-prod-consume-dlq"
