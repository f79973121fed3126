"""examples/live-dashboard in a real headless chromium: device → rule → function → republish → page.

A paho-mqtt device publishes telemetry to ``telemetry/<device>``; the stack's topic rule invokes ``update``,
which republishes a dashboard update with boto3 ``iot-data``; the page (served by the stack's HTTP route, with
its own small MQTT client over the browser's WebSocket) shows one row per device with its latest temperature.
"""

from __future__ import annotations

import json
import time
import urllib.parse

import httpx
import pytest

from overcast.testing import running_platform
from tests.conftest import EXAMPLES, copy_stack
from tests.realtime.browser import chromium_path, launch
from tests.realtime.mqtt_clients import Device, platform_info

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="Debian chromium is not installed (.ci/run installs it: apt-get install chromium)")

DEADLINE = 30.0
STATE = "document.body.dataset.state + ': ' + document.getElementById('status').textContent"


def temp_of(device: str) -> str:
    """JavaScript: the temperature cell of ``device``'s row (null while there is no row)."""
    return f"(document.querySelector('tr[data-device={json.dumps(device)}] td.temp')?.textContent ?? null)"


def publish_until_shown(page, device: Device, topic: str, payload: dict, expected: str) -> None:
    """Publish until the page shows ``expected``: the first message may arrive before the dispatcher runs
    the rule (a rule sees messages published while it is subscribed, as AWS IoT)."""
    deadline = time.monotonic() + DEADLINE
    while True:
        device.publish(topic, json.dumps(payload), qos=1)
        try:
            page.wait_for(f"{temp_of(payload.get('device', topic.split('/')[1]))} === {json.dumps(expected)}",
                          timeout=1.0, describe=STATE)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def test_telemetry_reaches_the_page_through_rule_function_and_republish(tmp_path):
    stack = copy_stack(EXAMPLES / "live-dashboard", tmp_path / "live-dashboard")
    with running_platform(stack, "--insecure") as p:
        info = platform_info(stack)
        config = httpx.get(p.url + "/dashboard/config", timeout=30).json()
        assert config["mqttWebSocket"] == info["mqttWebSocket"]  # the page finds the listener by itself

        sensor = Device(info["mqtt"], client_id="thermo-1").connect()
        try:
            with launch(tmp_path) as browser:
                page = browser.open(p.url + "/dashboard")
                page.wait_for("document.body.dataset.state === 'subscribed'", describe=STATE)
                assert page.evaluate("document.querySelectorAll('tr[data-device]').length") == 0

                publish_until_shown(page, sensor, "telemetry/thermo-1", {"temp": 21.5}, "21.5")
                sensor.publish("telemetry/thermo-2", json.dumps({"temp": 19, "humidity": 40}), qos=1)
                page.wait_for(f"{temp_of('thermo-2')} === '19'", describe=STATE)
                sensor.publish("telemetry/thermo-1", json.dumps({"temp": 23.25}), qos=1)
                page.wait_for(f"{temp_of('thermo-1')} === '23.25'", describe=STATE)

                rows = page.evaluate("[...document.querySelectorAll('tr[data-device]')].map(r => "
                                     "[...r.cells].slice(0, 2).map(c => c.textContent))")
                assert rows == [["thermo-1", "23.25"], ["thermo-2", "19"]]  # one row per device, latest value
                assert page.evaluate("document.querySelector('tr[data-device] td.at').textContent") != ""

                png = page.screenshot()
                shot = tmp_path / "live-dashboard.png"
                shot.write_bytes(png)
                assert png[:8] == b"\x89PNG\r\n\x1a\n"
                assert len(png) > 5_000  # a rendered table, not a blank page
        finally:
            sensor.close()


def test_the_page_takes_the_listener_and_a_things_credentials_from_its_url(tmp_path):
    """Without --insecure: the page connects as the stack's `dashboard-viewer` thing; a wrong password is shown."""
    stack = copy_stack(EXAMPLES / "live-dashboard", tmp_path / "live-dashboard")
    with running_platform(stack) as p:
        creds = p.cli("things", "credentials", "dashboard-viewer", "--json")
        assert creds.returncode == 0, creds.stderr
        viewer = json.loads(creds.stdout)
        query = {"mqtt": viewer["websocket"], "username": viewer["username"], "password": viewer["password"]}
        with launch(tmp_path) as browser:
            page = browser.open(p.url + "/dashboard?" + urllib.parse.urlencode(query))
            page.wait_for("document.body.dataset.state === 'subscribed'", describe=STATE)
            refused = browser.open(p.url + "/dashboard?" + urllib.parse.urlencode(dict(query, password="wrong")))
            text = refused.wait_for("document.body.dataset.state === 'error' && "
                                    "document.getElementById('status').textContent", describe=STATE)
            assert "not authorized" in text
