"""A small blocking wrapper over a real paho-mqtt client, for the MQTT tests (MQTT 3.1.1)."""

from __future__ import annotations

import json
import queue
import threading
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

WAIT = 10.0


class Device:
    def __init__(self, url: str, username: str | None = None, password: str | None = None, *,
                 client_id: str | None = None, clean: bool = True) -> None:
        parts = urlsplit(url)
        transport = "websockets" if parts.scheme == "ws" else "tcp"
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id or f"t-{uuid.uuid4().hex[:8]}",
                                  transport=transport, protocol=mqtt.MQTTv311, clean_session=clean)
        if transport == "websockets":
            self.client.ws_set_options(path=parts.path or "/mqtt")
        if username is not None:
            self.client.username_pw_set(username, password)
        self.host, self.port = parts.hostname, parts.port
        self.messages: queue.Queue = queue.Queue()
        self.connack = None
        self.suback: dict[int, list] = {}
        self._connected = threading.Event()
        self._subacks: dict[int, threading.Event] = {}
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *a: self._connected.set()
        self.client.on_message = lambda c, u, msg: self.messages.put((msg.topic, msg.payload, msg.qos, msg.retain))
        self.client.on_subscribe = self._on_subscribe

    def _on_connect(self, client, userdata, flags, reason, props) -> None:
        self.connack = reason
        self._connected.set()

    def _on_subscribe(self, client, userdata, mid, reasons, props) -> None:
        self.suback[mid] = reasons
        self._subacks.setdefault(mid, threading.Event()).set()

    def connect(self) -> Device:
        self.client.connect(self.host, self.port, keepalive=30)
        self.client.loop_start()
        assert self._connected.wait(WAIT), "no CONNACK"
        return self

    @property
    def accepted(self) -> bool:
        return self.connack is not None and not self.connack.is_failure

    def subscribe(self, topic_filter: str, qos: int = 1) -> bool:
        """True when the SUBACK grants the subscription (False for MQTT's 0x80 failure)."""
        _, mid = self.client.subscribe(topic_filter, qos)
        event = self._subacks.setdefault(mid, threading.Event())
        assert event.wait(WAIT), f"no SUBACK for {topic_filter}"
        return not self.suback[mid][0].is_failure

    def publish(self, topic: str, payload: bytes | str, qos: int = 0, retain: bool = False) -> None:
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        if qos:
            info.wait_for_publish(WAIT)  # PUBACK received
            assert info.is_published()

    def next(self, timeout: float = WAIT, retained: bool = False):
        """The next message (topic, payload, qos, retain); retained ones (left by other tests) are skipped
        unless ``retained``."""
        while True:
            msg = self.messages.get(timeout=timeout)
            if retained or not msg[3]:
                return msg

    def until(self, topic: str, timeout: float = WAIT) -> list:
        """Messages received up to and including the first one on ``topic``."""
        out = []
        while True:
            msg = self.next(timeout)
            out.append(msg)
            if msg[0] == topic:
                return out

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def things_of(stack_dir: Path) -> dict:
    return json.loads((Path(stack_dir) / ".overcast" / "things.json").read_text())


def device(stack_dir: Path, name: str, transport: str = "mqtt", **kw) -> Device:
    """A connected device using the credentials `overcast dev` wrote for thing ``name``."""
    creds = things_of(stack_dir)[name]
    return Device(creds["mqtt" if transport == "mqtt" else "websocket"], creds["username"], creds["password"],
                  **kw).connect()


def platform_info(stack_dir: Path) -> dict:
    return json.loads((Path(stack_dir) / ".overcast" / "platform.json").read_text())
