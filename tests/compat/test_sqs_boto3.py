"""The SQS-compatible endpoint with an unmodified boto3 client against a real platform."""

from __future__ import annotations

import hashlib
import json
import uuid

import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from overcast.testing import running_platform
from tests.conftest import FIXTURES, copy_stack


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    stack = copy_stack(FIXTURES / "sqs", tmp_path_factory.mktemp("sqs") / "sqs")
    with running_platform(stack) as p:
        yield p


@pytest.fixture(scope="module")
def sqs(platform):
    return platform.aws_session().client("sqs", endpoint_url=platform.url, config=Config(retries={"max_attempts": 1}))


def new_queue(sqs, suffix="", **attributes):
    name = f"q-{uuid.uuid4().hex[:10]}{suffix}"
    return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"], name


def test_create_url_send_receive_delete(sqs, platform):
    url, name = new_queue(sqs, VisibilityTimeout="60")
    assert url == f"{platform.url}/000000000000/{name}"
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    assert sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "60"})["QueueUrl"] == url
    assert url in sqs.list_queues(QueueNamePrefix=name)["QueueUrls"]
    attrs = {"kind": {"DataType": "String", "StringValue": "greeting"},
             "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}
    sent = sqs.send_message(QueueUrl=url, MessageBody="héllo", MessageAttributes=attrs)
    assert sent["MD5OfMessageBody"] == hashlib.md5("héllo".encode()).hexdigest()
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                              MessageSystemAttributeNames=["All"], WaitTimeSeconds=2)["Messages"]
    assert len(got) == 1
    msg = got[0]
    assert (msg["MessageId"], msg["Body"], msg["MessageAttributes"]) == (sent["MessageId"], "héllo", attrs)
    assert msg["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert msg["Attributes"]["ApproximateReceiveCount"] == "1" and "SentTimestamp" in msg["Attributes"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName=name)


def test_batches_with_one_bad_entry(sqs):
    url, _ = new_queue(sqs)
    out = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "MessageBody": "one"}, {"Id": "b", "MessageBody": "two", "DelaySeconds": 5000},
        {"Id": "c", "MessageBody": "three"}])
    assert sorted(s["Id"] for s in out["Successful"]) == ["a", "c"]
    [bad] = out["Failed"]
    assert bad["Id"] == "b" and bad["SenderFault"] and "DelaySeconds" in bad["Message"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2)["Messages"]
    while len(got) < 2:
        got += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    entries = [{"Id": f"m{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
    changed = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {**entries[0], "VisibilityTimeout": 120}, {"Id": "x", "ReceiptHandle": "not-a-handle", "VisibilityTimeout": 1}])
    assert [s["Id"] for s in changed["Successful"]] == ["m0"] and changed["Failed"][0]["Id"] == "x"
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[*entries, {"Id": "x", "ReceiptHandle": "garbage"}])
    assert sorted(s["Id"] for s in deleted["Successful"]) == ["m0", "m1"]
    assert deleted["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"
    with pytest.raises(sqs.exceptions.BatchEntryIdsNotDistinct):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "1"}, {"Id": "a", "MessageBody": "2"}])
    with pytest.raises(sqs.exceptions.TooManyEntriesInBatchRequest):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": f"e{i}", "MessageBody": "x"} for i in range(11)])


def test_attributes(sqs):
    dlq_url, _ = new_queue(sqs)
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert dlq_arn.startswith("arn:aws:sqs:") and dlq_arn.endswith(dlq_url.rsplit("/", 1)[1])
    url, _ = new_queue(sqs, DelaySeconds="0")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={
        "VisibilityTimeout": "45", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})})
    sqs.send_message(QueueUrl=url, MessageBody="a")
    sqs.send_message(QueueUrl=url, MessageBody="b", DelaySeconds=600)
    sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "45"
    assert json.loads(attrs["RedrivePolicy"]) == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}
    assert (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"],
            attrs["ApproximateNumberOfMessagesDelayed"]) == ("0", "1", "1")
    assert {"MessageRetentionPeriod", "MaximumMessageSize", "ReceiveMessageWaitTimeSeconds", "QueueArn",
            "CreatedTimestamp"} <= set(attrs)
    sqs.purge_queue(QueueUrl=url)
    after = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert after["Attributes"] == {"ApproximateNumberOfMessagesNotVisible": "0"}


def test_fifo_queue(sqs):
    url, _ = new_queue(sqs, ".fifo", FifoQueue="true")
    first = sqs.send_message(QueueUrl=url, MessageBody="1", MessageGroupId="g", MessageDeduplicationId="d1")
    again = sqs.send_message(QueueUrl=url, MessageBody="1", MessageGroupId="g", MessageDeduplicationId="d1")
    assert again["MessageId"] == first["MessageId"] and first["SequenceNumber"]
    sqs.send_message(QueueUrl=url, MessageBody="2", MessageGroupId="g", MessageDeduplicationId="d2")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2,
                              MessageSystemAttributeNames=["MessageGroupId"])["Messages"]
    assert [m["Body"] for m in got] == ["1", "2"] and got[0]["Attributes"] == {"MessageGroupId": "g"}
    with pytest.raises(ClientError) as err:
        sqs.send_message(QueueUrl=url, MessageBody="no group")
    assert err.value.response["Error"]["Code"] == "MissingParameter"


def test_errors(sqs, platform):
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as err:
        sqs.send_message(QueueUrl=f"{platform.url}/000000000000/no-such-queue", MessageBody="x")
    assert err.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    url, name = new_queue(sqs)
    with pytest.raises(ClientError) as err:
        sqs.send_message(QueueUrl=url, MessageBody="x" * (256 * 1024 + 1))
    assert err.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert "sqs.message_size" in err.value.response["Error"]["Message"]
    with pytest.raises(sqs.exceptions.QueueNameExists):
        sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "99"})
    with pytest.raises(ClientError) as err:
        sqs.create_queue(QueueName="bad name!")
    assert err.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(ClientError) as err:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert "sqs.batch_entries" in err.value.response["Error"]["Message"]
    with pytest.raises(sqs.exceptions.InvalidAttributeName):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"NoSuchThing": "1"})


def test_a_function_sends_with_plain_boto3(sqs, platform):
    url, name = new_queue(sqs)
    resp = httpx.post(f"{platform.url}/send/{name}", content=b"from a handler", timeout=30)
    assert resp.status_code == 201, resp.text
    [msg] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    assert (msg["MessageId"], msg["Body"]) == (resp.text, "from a handler")
