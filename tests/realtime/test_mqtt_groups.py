"""A thing group against a real platform: each member connects with its own credentials and its ${thing}
filters are its own (`overcast dev`, embedded nats-server, real paho-mqtt clients)."""

from __future__ import annotations

import json

from overcast.testing import running_platform
from tests.realtime.mqtt_clients import Device

STACK = """\
stack: fleet
functions:
  ping:
    handler: handlers.ping
things:
  dashboard:
    subscribe: ["telemetry/#"]
thingGroups:
  sensors:
    things: [sensor-1, sensor-2]
    publish: ["telemetry/${thing}/#"]
    subscribe: ["commands/${iot:Connection.Thing.ThingName}/#"]
"""


def credentials(platform, name: str) -> dict:
    out = platform.cli("things", "credentials", name, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def connect(platform, name: str, opened: list) -> Device:
    creds = credentials(platform, name)
    client = Device(creds["mqtt"], creds["username"], creds["password"], client_id=name).connect()
    opened.append(client)
    assert client.accepted, client.connack
    return client


def test_group_members_are_things_with_their_own_topics(tmp_path):
    (tmp_path / "overcast.yml").write_text(STACK)
    (tmp_path / "handlers.py").write_text("def ping(event, context):\n    return {'pong': True}\n")
    opened: list[Device] = []
    with running_platform(tmp_path) as platform:
        try:
            listed = platform.cli("things", "list")
            assert listed.returncode == 0, listed.stderr
            lines = listed.stdout.splitlines()
            assert "dev.fleet  sensor-1  publish=telemetry/sensor-1/#  subscribe=commands/sensor-1/#" in lines
            assert "dev.fleet  sensor-2  publish=telemetry/sensor-2/#  subscribe=commands/sensor-2/#" in lines
            assert credentials(platform, "sensor-1")["password"] != credentials(platform, "sensor-2")["password"]

            dash = connect(platform, "dashboard", opened)
            assert dash.subscribe("telemetry/#", qos=1)
            sensor1 = connect(platform, "sensor-1", opened)
            sensor1.publish("telemetry/sensor-1/x", b"own", qos=1)
            assert dash.next()[:2] == ("telemetry/sensor-1/x", b"own")
            sensor1.publish("telemetry/sensor-2/x", b"forged", qos=1)  # PUBACKed, then dropped by the engine
            sensor1.publish("telemetry/sensor-1/marker", b"after", qos=1)
            assert [m[:2] for m in dash.until("telemetry/sensor-1/marker")] == [
                ("telemetry/sensor-1/marker", b"after")]
            assert not sensor1.subscribe("commands/sensor-2/#")
            assert sensor1.subscribe("commands/sensor-1/#")

            sensor2 = connect(platform, "sensor-2", opened)
            sensor2.publish("telemetry/sensor-2/x", b"its own", qos=1)
            assert dash.next()[:2] == ("telemetry/sensor-2/x", b"its own")
        finally:
            for client in opened:
                client.close()
