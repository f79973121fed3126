"""Finding a running platform from the CLI: ``--nats``, ``$OVERCAST_NATS``, or a dev run's file.

``overcast dev`` writes ``.overcast/platform.json`` in the project directory
and a copy in a per-user directory of running platforms, so ``overcast
invoke`` finds it from the project directory (or below it) and, when exactly
one platform runs, from anywhere.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from overcast.errors import OvercastError

FILE = "platform.json"


class PlatformNotFound(OvercastError):
    code = "platform.not_found"


def running_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(base) / f"overcast-{os.getuid()}"


def write(project_store: Path, info: dict) -> list[Path]:
    paths = [project_store / FILE, running_dir() / f"{os.getpid()}.json"]
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(info, indent=2))
        tmp.replace(path)
    return paths


def _alive(info: dict) -> bool:
    try:
        os.kill(int(info["pid"]), 0)
    except (OSError, KeyError, ValueError):
        return False
    return True


def find(nats: str | None, start: Path | None = None) -> dict:
    """Platform info with at least ``nats``; raises PlatformNotFound saying what was tried."""
    if nats:
        return {"nats": nats}
    if os.environ.get("OVERCAST_NATS"):
        return {"nats": os.environ["OVERCAST_NATS"]}
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        f = d / ".overcast" / FILE
        if f.is_file():
            info = json.loads(f.read_text())
            if _alive(info):
                return info
    running = []
    if running_dir().is_dir():
        for f in running_dir().glob("*.json"):
            try:
                info = json.loads(f.read_text())
            except (OSError, json.JSONDecodeError):
                continue
            if _alive(info):
                running.append(info)
            else:
                f.unlink(missing_ok=True)
    if len(running) == 1:
        return running[0]
    if len(running) > 1:
        where = ", ".join(sorted(i.get("project", "?") for i in running))
        raise PlatformNotFound(f"several overcast platforms are running ({where}); run from a project "
                               "directory or pass --nats URL")
    raise PlatformNotFound("no running overcast platform found: start one with `overcast dev DIR`, "
                           "or pass --nats URL (or set OVERCAST_NATS)")
