"""MQTT devices against a real platform (`overcast dev`, embedded nats-server), with real paho-mqtt clients.

Permission denial as MQTT 3.1.1 on nats-server 2.15 does it: a PUBLISH outside the thing's allow-list is
acknowledged (QoS 1 PUBACK) and dropped, and the connection stays up; a SUBSCRIBE outside it gets the SUBACK
failure code 0x80. Absence is shown without sleeping: a marker published after the refused message arrives,
the refused one never did.
"""

from __future__ import annotations

import asyncio
import json
import queue

import nats
import pytest

from overcast.testing import running_platform
from tests.conftest import FIXTURES, copy_stack
from tests.realtime.mqtt_clients import Device, device, platform_info, things_of


@pytest.fixture(scope="module")
def devices(tmp_path_factory):
    stack = copy_stack(FIXTURES / "devices", tmp_path_factory.mktemp("mqtt") / "devices")
    with running_platform(stack) as platform:
        yield platform


@pytest.fixture
def clients():
    opened: list[Device] = []
    yield opened
    for client in opened:
        client.close()


def connect(platform, clients, name, transport="mqtt", **kw) -> Device:
    client = device(platform.stack_dir, name, transport, **kw)
    clients.append(client)
    assert client.accepted, client.connack
    return client


def test_urls_are_printed_and_discoverable(devices):
    info = platform_info(devices.stack_dir)
    assert info["mqtt"].startswith("mqtt://127.0.0.1:") and info["mqttWebSocket"].endswith("/mqtt")
    assert f"MQTT {info['mqtt']}" in devices.log_text()
    assert (devices.stack_dir / ".overcast" / "things.json").stat().st_mode & 0o777 == 0o600
    assert (devices.stack_dir / ".overcast" / "auth.conf").stat().st_mode & 0o777 == 0o600


def test_credentials_command_prints_what_a_device_needs(devices):
    out = devices.cli("things", "credentials", "sensor-1", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    issued = things_of(devices.stack_dir)["sensor-1"]
    assert doc["username"] == "sensor-1" and doc["password"] == issued["password"] and len(doc["password"]) >= 24
    assert doc["mqtt"] == issued["mqtt"]
    assert "password" not in (devices.stack_dir / "overcast.yml").read_text()
    users = devices.cli("things", "auth-config")
    assert users.returncode == 0 and '"user": "sensor-1"' in users.stdout and issued["password"] in users.stdout
    missing = devices.cli("things", "credentials", "nobody")
    assert missing.returncode == 1 and "no thing 'nobody'" in missing.stderr


def test_qos0_and_qos1_publish_reach_subscribers(devices, clients):
    dash = connect(devices, clients, "dashboard")
    sensor = connect(devices, clients, "sensor-1")
    assert dash.subscribe("telemetry/#", qos=1)
    assert sensor.subscribe("commands/sensor-1/#", qos=1)
    sensor.publish("telemetry/sensor-1/temp", b"21.5", qos=0)
    sensor.publish("telemetry/sensor-1/humidity", b"40", qos=1)
    got = dash.until("telemetry/sensor-1/humidity")
    assert [(t, p, q) for t, p, q, _ in got] == [("telemetry/sensor-1/temp", b"21.5", 0),
                                                 ("telemetry/sensor-1/humidity", b"40", 1)]
    dash.publish("commands/sensor-1/reboot", b'{"now": true}', qos=1)
    assert sensor.next()[:3] == ("commands/sensor-1/reboot", b'{"now": true}', 1)


def test_retained_message_reaches_a_later_subscriber(devices, clients):
    sensor = connect(devices, clients, "sensor-1")
    sensor.publish("telemetry/sensor-1/status", b"online", qos=1, retain=True)
    late = connect(devices, clients, "dashboard")
    assert late.subscribe("telemetry/+/status", qos=1)
    topic, payload, _, retain = late.next(retained=True)
    assert (topic, payload, retain) == ("telemetry/sensor-1/status", b"online", True)


def test_wildcards(devices, clients):
    dash = connect(devices, clients, "dashboard")
    sensor = connect(devices, clients, "sensor-1")
    assert sensor.subscribe("broadcast/+", qos=0)
    assert dash.subscribe("telemetry/sensor-1/#", qos=0)
    sensor.publish("telemetry/sensor-1", b"parent", qos=1)  # '#' includes the parent level
    sensor.publish("telemetry/sensor-1/a/b/c", b"deep", qos=1)
    assert [m[:2] for m in dash.until("telemetry/sensor-1/a/b/c")] == [
        ("telemetry/sensor-1", b"parent"), ("telemetry/sensor-1/a/b/c", b"deep")]
    dash.publish("broadcast/all/nested", b"two levels")  # '+' is exactly one level (and not in dash's list)
    dash.publish("broadcast/all", b"one level", qos=1)
    assert sensor.next()[:2] == ("broadcast/all", b"one level")
    with pytest.raises(queue.Empty):
        sensor.next(timeout=0.2)


def test_a_device_cannot_publish_to_another_devices_topics(devices, clients):
    dash = connect(devices, clients, "dashboard")
    assert dash.subscribe("telemetry/#", qos=1)
    sensor = connect(devices, clients, "sensor-1")
    sensor.publish("telemetry/sensor-2/temp", b"forged", qos=1)  # PUBACKed, then dropped by the engine
    sensor.publish("commands/sensor-2/reboot", b"forged", qos=0)
    sensor.publish("telemetry/sensor-1/marker", b"after", qos=1)
    assert [m[:2] for m in dash.until("telemetry/sensor-1/marker")] == [("telemetry/sensor-1/marker", b"after")]
    assert sensor.client.is_connected()


def test_subscribing_outside_the_allow_list_is_refused(devices, clients):
    sensor = connect(devices, clients, "sensor-1")
    assert not sensor.subscribe("commands/sensor-2/#")
    assert not sensor.subscribe("telemetry/#")
    assert not sensor.subscribe("#")
    assert sensor.subscribe("commands/sensor-1/+")
    assert sensor.client.is_connected()


def test_a_thing_without_publish_rights_publishes_nothing(devices, clients):
    monitor = connect(devices, clients, "monitor")
    assert monitor.subscribe("#", qos=0)
    mute = connect(devices, clients, "mute")
    mute.publish("broadcast/all", b"from mute", qos=1)
    dash = connect(devices, clients, "dashboard")
    dash.publish("broadcast/marker", b"m", qos=1)
    assert [m[:2] for m in monitor.until("broadcast/marker")] == [("broadcast/marker", b"m")]


def test_even_a_hash_subscriber_sees_no_platform_traffic(devices, clients):
    monitor = connect(devices, clients, "monitor")
    assert monitor.subscribe("#", qos=0)
    assert not monitor.subscribe("overcast/#")

    async def platform_publish():
        nc = await nats.connect(devices.nats_url)  # a platform process: no credentials, STANDARD connection
        try:
            await nc.publish("overcast.status.probe", b"internal")
            await nc.publish("telemetry.sensor-9.marker", b"device topic")
            await nc.flush()
        finally:
            await nc.close()

    asyncio.run(platform_publish())
    assert [m[:2] for m in monitor.until("telemetry/sensor-9/marker")] == [("telemetry/sensor-9/marker",
                                                                            b"device topic")]


def test_wrong_password_anonymous_and_nats_protocol_logins_are_refused(devices, clients):
    url = platform_info(devices.stack_dir)["mqtt"]
    for username, password in (("sensor-1", "wrong"), ("nobody", "x"), (None, None)):
        client = Device(url, username, password).connect()
        clients.append(client)
        assert str(client.connack) == "Not authorized", username  # CONNACK return code 5
    ws = Device(platform_info(devices.stack_dir)["mqttWebSocket"]).connect()
    clients.append(ws)
    assert str(ws.connack) == "Not authorized"

    async def nats_login():
        password = things_of(devices.stack_dir)["sensor-1"]["password"]
        host_port = devices.nats_url.split("://")[1]
        with pytest.raises(Exception):  # a thing's password opens no plain NATS connection
            await nats.connect(f"nats://sensor-1:{password}@{host_port}", allow_reconnect=False,
                               max_reconnect_attempts=0, connect_timeout=3)

    asyncio.run(nats_login())


def test_persistent_session_gets_qos1_messages_sent_while_offline(devices, clients):
    dash = connect(devices, clients, "dashboard", client_id="dash-persistent", clean=False)
    assert dash.subscribe("telemetry/sensor-2/#", qos=1)
    dash.close()
    clients.remove(dash)
    sensor = connect(devices, clients, "sensor-2")
    sensor.publish("telemetry/sensor-2/offline", b"while away", qos=1)
    back = connect(devices, clients, "dashboard", client_id="dash-persistent", clean=False)
    assert back.next()[:3] == ("telemetry/sensor-2/offline", b"while away", 1)


def test_mqtt_over_websocket(devices, clients):
    dash = connect(devices, clients, "dashboard", transport="ws")
    sensor = connect(devices, clients, "sensor-1", transport="ws")
    tcp = connect(devices, clients, "sensor-2")
    assert dash.subscribe("telemetry/#", qos=1)
    sensor.publish("telemetry/sensor-1/ws", b"over websocket", qos=1)
    tcp.publish("telemetry/sensor-2/tcp", b"over tcp", qos=0)
    got = dict(dash.next()[:2] for _ in range(2))  # two publishers: either may come first
    assert got == {"telemetry/sensor-1/ws": b"over websocket", "telemetry/sensor-2/tcp": b"over tcp"}
