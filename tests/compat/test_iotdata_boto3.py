"""The IoT data-plane Publish API with an unmodified boto3 ``iot-data`` client against a real platform:
messages reach NATS subscribers, topic rules and (where the engine has an MQTT listener) MQTT devices."""

from __future__ import annotations

import asyncio
import json
import queue
import urllib.parse
import uuid

import nats
import paho.mqtt.client as mqtt
import pytest
from botocore.exceptions import ClientError
from paho.mqtt.enums import CallbackAPIVersion

from tests.realtime.rules_support import WAIT, Inbox, client, rules_platform


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with rules_platform(tmp_path_factory, "iotdata") as p:
        yield p


@pytest.fixture(scope="module")
def iot(platform):
    return client(platform, "iot-data")


def collect(platform, subject: str, publish) -> list:
    """Subscribe to ``subject``, run ``publish()`` (blocking, in a thread), return the first message."""

    async def scenario():
        nc = await nats.connect(platform.nats_url)
        inbox = Inbox()
        await nc.subscribe(subject, cb=inbox.cb)
        await nc.flush()
        await asyncio.to_thread(publish)
        got = await inbox.next()
        await nc.close()
        return got

    return asyncio.run(scenario())


def test_publish_reaches_a_nats_subscriber_at_qos_0_and_1(platform, iot):
    topic = f"plain/{uuid.uuid4().hex}/x"
    subject, data, headers = collect(platform, topic.replace("/", "."),
                                     lambda: iot.publish(topic=topic, qos=0, payload=b"\x00binary ok"))
    assert (subject, data) == (topic.replace("/", "."), b"\x00binary ok") and "Nmqtt-Pub" not in headers
    _, data, headers = collect(platform, topic.replace("/", "."), lambda: iot.publish(topic=topic, qos=1,
                                                                                      payload=b"{}"))
    assert data == b"{}" and headers["Nmqtt-Pub"] == "1"  # as nats-server marks a device's QoS 1 PUBLISH


def test_publish_triggers_a_topic_rule(platform, iot):
    run = uuid.uuid4().hex
    payload = json.dumps({"temp": 40, "run": run}).encode()
    _, data, _ = collect(platform, "alerts.dev42",
                         lambda: iot.publish(topic="telemetry/dev42/data", qos=1, payload=payload))
    assert json.loads(data) == {"temp": 40, "run": run, "device": "dev42"}


def test_a_function_publishes_with_plain_boto3(platform):
    """The platform puts the endpoint (AWS_ENDPOINT_URL_IOT_DATA_PLANE) and the stack's key in the environment."""
    topic = f"from-fn/{uuid.uuid4().hex}"

    def invoke():
        done = platform.invoke("publisher", {"topic": topic, "qos": 1, "payload": {"hello": "device"}})
        assert done.returncode == 0, done.stderr + done.stdout

    _, data, _ = collect(platform, topic.replace("/", "."), invoke)
    assert json.loads(data) == {"hello": "device"}


def test_errors_are_aws_shaped(platform, iot):
    def code(**kw):
        with pytest.raises(ClientError) as err:
            iot.publish(**kw)
        return err.value.response["Error"]["Code"], err.value.response["ResponseMetadata"]["HTTPStatusCode"]

    assert code(topic="a/+/b", payload=b"x") == ("InvalidRequestException", 400)  # wildcards are for filters
    for reserved in ("overcast/invoke/dev/x/f/1", "$aws/things/x", "_INBOX/abc"):  # the platform's subjects
        assert code(topic=reserved, payload=b"x") == ("InvalidRequestException", 400)
    assert code(topic="a/b", payload=b"x", retain=True) == ("InvalidRequestException", 400)
    assert code(topic="a/b", payload=b"x" * (128 * 1024 + 1)) == ("RequestEntityTooLargeException", 413)
    creds = iot._request_signer._credentials
    bad = client(platform, "iot-data")
    bad._request_signer._credentials = type(creds)(creds.access_key, "wrong-secret")
    with pytest.raises(ClientError) as err:
        bad.publish(topic="a/b", payload=b"x")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_signed_iotdata_request_is_not_taken_for_an_http_route(platform):
    """Unsigned ``/topics/...`` requests stay HTTP routes (this stack has none: 404 from the router)."""
    import httpx

    resp = httpx.post(platform.url + "/topics/" + urllib.parse.quote("a/b", safe=""), content=b"x")
    assert resp.status_code == 404


def test_a_subscribed_mqtt_device_receives_publishes_at_qos_1(platform, iot):
    info = platform._info()
    if not info.get("mqtt"):
        pytest.skip("this engine has no MQTT listener")
    url = urllib.parse.urlsplit(info["mqtt"])
    got: queue.Queue = queue.Queue()
    subscribed = queue.Queue()
    device = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"t-{uuid.uuid4().hex[:8]}",
                         protocol=mqtt.MQTTv311)
    device.on_message = lambda c, u, m: got.put((m.topic, m.payload, m.qos))
    device.on_subscribe = lambda c, u, mid, reasons, props: subscribed.put(reasons)
    device.connect(url.hostname, url.port)
    device.loop_start()
    try:
        device.subscribe("devices/+/commands", qos=1)
        [reason] = subscribed.get(timeout=WAIT)
        if reason.is_failure:
            pytest.skip("anonymous MQTT devices are not allowed on this engine")
        iot.publish(topic="devices/d1/commands", qos=1, payload=b"reboot")
        iot.publish(topic="devices/d1/commands", qos=0, payload=b"ping")
        assert got.get(timeout=WAIT) == ("devices/d1/commands", b"reboot", 1)
        assert got.get(timeout=WAIT) == ("devices/d1/commands", b"ping", 0)
        assert got.empty()  # the QoS 1 message came once (stored copy only)
        # device -> rule -> republish (QoS 1) -> device
        device.subscribe("alerts/d1", qos=1)
        assert not subscribed.get(timeout=WAIT)[0].is_failure
        device.publish("telemetry/d1/data", json.dumps({"temp": 31, "run": "mqtt"}), qos=1).wait_for_publish(WAIT)
        topic, data, qos = got.get(timeout=WAIT)
        assert (topic, json.loads(data), qos) == ("alerts/d1", {"temp": 31, "run": "mqtt", "device": "d1"}, 1)
    finally:
        device.disconnect()
        device.loop_stop()
