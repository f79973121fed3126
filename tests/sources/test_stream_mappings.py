"""Stream → function mappings end to end: order, poison records, partial failures, record age, lag.

Records are put with unmodified boto3 through the Kinesis API; handlers write what
they processed to files; every record put is counted out again.
"""

from __future__ import annotations

import json
import time

from tests.sources.conftest import in_order_per_key, wait_for


def _put_all(kinesis, stream: str, datas: list[str], key=lambda i: "k") -> list[str]:
    seqs = []
    for start in range(0, len(datas), 500):
        chunk = datas[start:start + 500]
        resp = kinesis.put_records(StreamName=stream, Records=[
            {"Data": d.encode(), "PartitionKey": key(start + i)} for i, d in enumerate(chunk)])
        assert resp["FailedRecordCount"] == 0
        seqs += [r["SequenceNumber"] for r in resp["Records"]]
    return seqs


def _failed_url(streams) -> str:
    return streams.client("sqs").get_queue_url(QueueName="failed")["QueueUrl"]


def test_poison_record_among_10000(streams):
    kinesis = streams.client("kinesis")
    datas = [f"r{i:05d}" for i in range(10_000)]
    datas[6_543] = "poison"
    seqs = _put_all(kinesis, "ordered", datas)
    good = [d for d in datas if d != "poison"]
    wait_for(lambda: len(streams.lines("inorder.txt")) >= len(good), 120, "9,999 records processed")
    assert streams.lines("inorder.txt") == good  # every good record once, in order
    failed = streams.drain(_failed_url(streams), 1)
    assert len(failed) == 1
    entry = failed[0]
    info = entry["KinesisBatchInfo"]
    assert info["batchSize"] == 1 and info["shardId"] == "shardId-000000000000"
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == seqs[6_543]
    assert info["streamArn"].endswith(":stream/ordered")
    assert entry["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert entry["requestContext"]["approximateInvokeCount"] >= 4  # the splits, then first try + 3 retries
    assert entry["responseContext"]["functionError"] == "Unhandled"
    assert entry["overcast"]["records"][0]["kinesis"]["data"] == "cG9pc29u"  # base64 of the payload
    assert "poison record" in entry["overcast"]["error"]["errorMessage"]
    wait_for(lambda: streams.lag("inorder") == 0, 30, "lag back to zero")
    # bisect narrowed the failing batch down to the poison record alone
    sizes = [len(json.loads(line)) for line in streams.lines("inorder-batches.jsonl")
             if "poison" in line]
    assert sizes[-1] == 1 and 1 < max(sizes) <= 100 and sizes.count(1) == 4


def test_order_per_partition_key_with_parallelization(streams):
    kinesis = streams.client("kinesis")
    keys = [f"key-{k}" for k in range(16)]
    datas = [f"{i}" for i in range(3_000)]
    _put_all(kinesis, "keyed", datas, key=lambda i: keys[i % len(keys)])
    wait_for(lambda: len(streams.lines("keyed.txt")) >= len(datas), 120, "3,000 records processed")
    in_order_per_key(streams.lines("keyed.txt"), len(datas))


def _partial_batches(streams) -> list[list[int]]:
    return [json.loads(line) for line in streams.lines("partial-batches.jsonl")]


def _put_items(streams, items: list[dict]) -> None:
    kinesis = streams.client("kinesis")
    _put_all(kinesis, "partial", [json.dumps(i) for i in items])


def test_partial_failure_checkpoints_at_the_lowest_failed_record(streams):
    base = len(_partial_batches(streams))
    _put_items(streams, [{"id": 100 + i, "fail": 1 if i in (3, 6) else 0} for i in range(10)])
    wait_for(lambda: len(_partial_batches(streams)) >= base + 2, 30, "the retry")
    first, second = _partial_batches(streams)[base:base + 2]
    assert first == list(range(100, 110))
    assert second == list(range(103, 110))  # from the lowest failed record on; 100-102 were checkpointed


def test_empty_or_null_failure_list_is_success(streams):
    for n, answer in ((200, {"batchItemFailures": []}), (210, {"batchItemFailures": None}), (220, None)):
        base = len(_partial_batches(streams))
        _put_items(streams, [{"id": n, "answer": answer}] + [{"id": n + i} for i in range(1, 5)])
        wait_for(lambda: len(_partial_batches(streams)) >= base + 1, 30, "the batch")
        time.sleep(1.5)
        assert _partial_batches(streams)[base:] == [list(range(n, n + 5))]  # no retry


def test_malformed_identifier_fails_the_whole_batch(streams):
    for n, answer in ((300, {"batchItemFailures": [{"itemIdentifier": ""}]}),
                      (310, {"batchItemFailures": [{"itemIdentifier": "not-a-sequence-number"}]}),
                      (320, {"batchItemFailures": [{"wrong": 1}]})):
        base = len(_partial_batches(streams))
        _put_items(streams, [{"id": n, "answer": answer}] + [{"id": n + i} for i in range(1, 5)])
        wait_for(lambda: len(_partial_batches(streams)) >= base + 2, 30, "the retry")
        assert _partial_batches(streams)[base:base + 2] == [list(range(n, n + 5))] * 2


def test_retries_exhausted_on_partial_failures_reach_the_destination(streams):
    base = len(_partial_batches(streams))
    _put_items(streams, [{"id": 400 + i, "fail": 99 if i == 2 else 0} for i in range(5)])
    failed = streams.drain(_failed_url(streams), 1, timeout=30)
    assert len(failed) == 1
    info = failed[0]["KinesisBatchInfo"]
    assert failed[0]["requestContext"]["approximateInvokeCount"] == 3  # first try + maximumRetryAttempts 2
    assert info["batchSize"] == 3  # the failed record and everything after it in the batch
    batches = _partial_batches(streams)[base:]
    assert batches[0] == list(range(400, 405)) and batches[1:] == [list(range(402, 405))] * 2


def test_records_older_than_the_maximum_age_go_to_the_destination(streams):
    """The platform's dispatcher runs with its record-age clock 120 s ahead (OVERCAST_ESM_CLOCK_SKEW_S, a test
    knob: maximumRecordAgeInSeconds is at least 60), so a record put now is past the aged mapping's 60 s and
    goes to the destination without a retry loop; mappings without a maximum age are not affected."""
    streams.client("kinesis").put_record(StreamName="aged", Data=b"old", PartitionKey="k")
    failed = streams.drain(_failed_url(streams), 1, timeout=30)
    assert failed and failed[0]["requestContext"]["condition"] == "RecordAgeExceeded"
    assert failed[0]["KinesisBatchInfo"]["streamArn"].endswith(":stream/aged")
    assert failed[0]["overcast"]["records"][0]["kinesis"]["data"] == "b2xk"
    assert streams.lines("aged.txt") == []  # never handed to the function


def test_powertools_batch_processor_on_a_stream_gets_aws_checkpoint_behaviour(streams):
    """powertools reports failed sequence numbers; the retry starts at the lowest one (AWS's checkpoint)."""
    datas = ["ok-1", "ok-2", "flaky-3", "ok-4", "flaky-5", "ok-6"]
    _put_all(streams.client("kinesis"), "tools", datas)
    wait_for(lambda: streams.lines("tools-seen.txt").count("ok-6") >= 2, 30, "the retry of the batch tail")
    time.sleep(1.5)
    seen = streams.lines("tools-seen.txt")
    assert seen == datas + ["flaky-3", "ok-4", "flaky-5", "ok-6"]  # from the lowest failure on, once


def test_table_changes_reach_the_function_in_order(streams):
    table = streams.session.resource("dynamodb", endpoint_url=streams.platform.url).Table("items")
    table.put_item(Item={"id": "a", "n": 1})
    table.update_item(Key={"id": "a"}, UpdateExpression="SET n = :n", ExpressionAttributeValues={":n": 2})
    table.delete_item(Key={"id": "a"})
    wait_for(lambda: len(streams.lines("changes.jsonl")) >= 3, 30, "three change records")
    changes = [json.loads(line) for line in streams.lines("changes.jsonl")]
    assert [c["name"] for c in changes] == ["INSERT", "MODIFY", "REMOVE"]
    assert all(c["source"] == "aws:dynamodb" and c["keys"] == {"id": {"S": "a"}} for c in changes)
    assert changes[1]["old"]["n"] == {"N": "1"} and changes[1]["new"]["n"] == {"N": "2"}
    assert changes[2]["new"] is None and changes[2]["old"]["n"] == {"N": "2"}


def test_dlq_list_show_and_redrive(streams):
    _put_all(streams.client("kinesis"), "dlqdemo", ["fine", "boom"], key=lambda i: f"k{i}")
    dlq = "streams-dev-boom-dlq"

    def listed():
        rows = json.loads(streams.platform.cli("dlq", "list", "--json").stdout)
        return [r for r in rows if r["queue"] == dlq and r["messages"] == 1]

    (row,) = wait_for(listed, 30, "the failed record in the function's DLQ")
    assert any("boom" in feed for feed in row["feeds"])
    shown = streams.platform.cli("dlq", "show", dlq, "--json")
    assert shown.returncode == 0, shown.stderr
    (entry,) = json.loads(shown.stdout)
    assert entry["kind"] == "stream" and entry["function"] == "streams.boom" and entry["source"] == "stream:dlqdemo"
    # invoked twice: with "fine" in one batch, then alone after the bisect (maximumRetryAttempts 0: no retry)
    assert entry["payloads"][0]["data"] == "boom" and entry["attempts"] == 2
    assert entry["error"]["errorType"] == "RuntimeError" and "boom goes" in entry["error"]["errorMessage"]
    assert entry["firstFailure"] and entry["lastFailure"]
    text = streams.platform.cli("dlq", "show", dlq)
    assert "payload" in text.stdout and "RuntimeError" in text.stdout

    before = streams.lines("boom.txt").count("boom")
    back = streams.platform.cli("dlq", "redrive", dlq)  # to its stream: the handler sees it again, fails again
    assert back.returncode == 0, back.stderr
    assert "-> stream:dlqdemo" in back.stdout
    wait_for(lambda: streams.lines("boom.txt").count("boom") == before + 1, 30, "the redriven record")
    wait_for(listed, 30, "the record back in the DLQ")
    to = streams.platform.cli("dlq", "redrive", dlq, "--to", "streams.recorder")
    assert to.returncode == 0, to.stderr
    wait_for(lambda: streams.lines("recorder.jsonl"), 30, "the recorder's invocation")
    event = json.loads(streams.lines("recorder.jsonl")[0])
    assert event["Records"][0]["kinesis"]["data"] == "Ym9vbQ=="  # the original payload, as the function got it
    assert json.loads(streams.platform.cli("dlq", "show", dlq, "--json").stdout) == []


def test_filter_patterns_drop_records_and_a_disabled_mapping_runs_nothing(streams):
    kinesis = streams.client("kinesis")
    records = [("k1", {"kind": "keep", "n": 1}), ("k2", {"kind": "drop", "n": 2}), ("vip-3", {"kind": "drop", "n": 3}),
               ("k4", "not json"), ("k5", {"kind": "keep", "n": 5})]
    for pk, data in records:
        kinesis.put_record(StreamName="filtered", PartitionKey=pk,
                           Data=(data if isinstance(data, str) else json.dumps(data)).encode())
    wait_for(lambda: len(streams.lines("streams-dev-picky.txt")) >= 3, 30, "the matching records")
    wait_for(lambda: streams.lag("picky") == 0, 30, "dropped records acknowledged too")
    assert [line.split()[0] for line in streams.lines("streams-dev-picky.txt")] == ["k1", "vip-3", "k5"]
    assert streams.lines("streams-dev-sleeper.txt") == []
    disabled = [m for m in streams.mappings() if m["function"] == "streams.sleeper"]
    assert disabled and disabled[0]["enabled"] is False


def test_put_record_cli_and_boto3_inside_a_handler(streams):
    out = streams.platform.cli("put-record", "dlqdemo", "--data", "from-cli", "--partition-key", "p")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["ShardId"] == "shardId-000000000000"
    res = streams.platform.cli("invoke", "streams.producer", "--data", '{"stream": "dlqdemo", "data": "from-handler"}')
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout.splitlines()[0])["shardId"] == "shardId-000000000000"
    wait_for(lambda: {"from-cli", "from-handler"} <= set(streams.lines("boom.txt")), 30, "both records consumed")
    bad = streams.platform.cli("put-record", "no-such-stream", "--data", "x", "--partition-key", "p")
    assert bad.returncode == 1 and "no-such-stream" in bad.stderr and "Traceback" not in bad.stderr
