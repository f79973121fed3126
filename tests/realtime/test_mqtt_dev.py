"""`overcast dev` and things over time: --insecure, things added and removed while it runs, name ownership."""

from __future__ import annotations

import json
import time

from overcast.testing import running_platform
from tests.conftest import FIXTURES, copy_stack
from tests.realtime.mqtt_clients import Device, device, platform_info, things_of

DEADLINE = 60.0


def wait_for(platform, text: str, after: int = 0) -> None:
    deadline = time.monotonic() + DEADLINE
    while text not in "".join(platform.output[after:]):
        assert time.monotonic() < deadline, f"{text!r} not printed:\n{platform.log_text()}"
        assert platform.proc.poll() is None, platform.log_text()
        time.sleep(0.05)


def test_insecure_accepts_anonymous_devices_on_every_topic(tmp_path):
    stack = copy_stack(FIXTURES / "devices", tmp_path / "devices")
    with running_platform(stack, "--insecure") as p:
        assert "ANONYMOUS MQTT AND MQTT-OVER-WEBSOCKET CLIENTS ARE ACCEPTED" in p.log_text()
        info = platform_info(stack)
        anon = Device(info["mqtt"]).connect()
        anon_ws = Device(info["mqttWebSocket"]).connect()
        try:
            assert anon.accepted and anon_ws.accepted
            assert anon.subscribe("anything/#") and anon_ws.subscribe("commands/sensor-1/#")
            anon_ws.publish("anything/at/all", b"free", qos=1)
            anon.publish("commands/sensor-1/x", b"also free", qos=1)
            assert anon.next()[:2] == ("anything/at/all", b"free")
            assert anon_ws.next()[:2] == ("commands/sensor-1/x", b"also free")
            assert not anon.subscribe("overcast/#")  # platform subjects stay closed
            wrong = Device(info["mqtt"], "sensor-1", "wrong").connect()
            assert str(wrong.connack) == "Not authorized"  # a named user still needs its password
            wrong.close()
        finally:
            anon.close()
            anon_ws.close()


def test_things_added_and_removed_while_dev_runs(tmp_path):
    stack = copy_stack(FIXTURES / "devices", tmp_path / "devices")
    with running_platform(stack) as p:
        assert "sensor-3" not in things_of(stack)
        old_password = things_of(stack)["sensor-1"]["password"]
        text = (stack / "overcast.yml").read_text()
        mark = len(p.output)
        text = text.replace("  mute:\n", "  sensor-3:\n    publish: [telemetry/sensor-3/#]\n  mute:\n")
        text = text.replace('  monitor:\n    subscribe: ["#"]\n', "  monitor: {}\n")  # no lists at all
        (stack / "overcast.yml").write_text(text)
        wait_for(p, "applied (revision", mark)
        creds = things_of(stack)
        assert creds["sensor-1"]["password"] == old_password  # kept while the thing stays deployed
        sensor3 = device(stack, "sensor-3")
        monitor = device(stack, "monitor")
        try:
            assert sensor3.accepted
            assert not monitor.subscribe("#")  # its subscribe list is gone: nothing is allowed
        finally:
            sensor3.close()
            monitor.close()

        mark = len(p.output)
        (stack / "overcast.yml").write_text(text.replace("  sensor-3:\n    publish: [telemetry/sensor-3/#]\n", ""))
        wait_for(p, "applied (revision", mark)
        assert "sensor-3" not in things_of(stack)
        gone = Device(platform_info(stack)["mqtt"], "sensor-3", creds["sensor-3"]["password"]).connect()
        assert str(gone.connack) == "Not authorized"
        gone.close()
        listed = p.cli("things", "list")
        assert listed.returncode == 0 and "sensor-1" in listed.stdout and "sensor-3" not in listed.stdout


def test_a_thing_name_is_unique_on_the_platform(tmp_path):
    stack = copy_stack(FIXTURES / "devices", tmp_path / "devices")
    other = tmp_path / "other"
    other.mkdir()
    (other / "overcast.yml").write_text("stack: other\nfunctions:\n  f: {handler: app.handler}\n"
                                        "things:\n  sensor-1:\n    publish: [x/#]\n")
    (other / "app.py").write_text("def handler(event, context):\n    return 1\n")
    with running_platform(stack) as p:
        result = p.deploy(other)
        assert result.returncode != 0
        assert "thing 'sensor-1' already exists and belongs to dev.devices" in result.stdout + result.stderr


def test_a_thing_deployed_by_another_process_can_connect(tmp_path):
    """`overcast deploy` (control API, another process) writes the record; dev's watch reloads the engine."""
    stack = copy_stack(FIXTURES / "devices", tmp_path / "devices")
    other = tmp_path / "other"
    other.mkdir()
    (other / "overcast.yml").write_text("stack: other\nfunctions:\n  f: {handler: app.handler}\n"
                                        "things:\n  gadget:\n    publish: [gadget/#]\n")
    (other / "app.py").write_text("def handler(event, context):\n    return 1\n")
    with running_platform(stack) as p:
        result = p.deploy(other)
        assert result.returncode == 0, result.stdout + result.stderr
        out = p.cli("things", "credentials", "gadget", "--json")
        assert out.returncode == 0, out.stderr
        doc = json.loads(out.stdout)
        assert doc["stack"] == "other" and doc["mqtt"] == platform_info(stack)["mqtt"]
        deadline = time.monotonic() + DEADLINE
        while True:
            gadget = Device(doc["mqtt"], doc["username"], doc["password"]).connect()
            gadget.close()
            if gadget.accepted or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert gadget.accepted, gadget.connack
        assert "gadget" not in things_of(stack)  # things.json holds the dev stack's things only


def test_configured_mqtt_ports_are_used_and_a_taken_one_is_named(tmp_path):
    import socket
    import subprocess
    import sys

    from overcast.engine.server import free_port

    mqtt_port, ws_port = free_port("127.0.0.1"), free_port("127.0.0.1")
    stack = copy_stack(FIXTURES / "devices", tmp_path / "devices")
    with running_platform(stack, "--insecure", "--mqtt-port", str(mqtt_port), "--mqtt-ws-port", str(ws_port)):
        info = platform_info(stack)
        assert info["mqtt"] == f"mqtt://127.0.0.1:{mqtt_port}"
        assert info["mqttWebSocket"] == f"ws://127.0.0.1:{ws_port}/mqtt"
        anon = Device(info["mqtt"]).connect()
        try:
            assert anon.accepted
        finally:
            anon.close()
    with socket.socket() as taken:  # a port someone else listens on: a clear error, no traceback
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = subprocess.run([sys.executable, "-m", "overcast", "dev", str(stack), "--port", "0", "--mqtt-port",
                              str(port)], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert f"port {port} of --mqtt-port is taken" in out.stderr and "Traceback" not in out.stderr
