"""The CLI's client of the control API (HTTP + bearer token)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import httpx

from overcast.errors import OvercastError
from overcast.platform import discovery


class ControlError(OvercastError):
    code = "control.error"

    def __init__(self, status: int, body: dict) -> None:
        super().__init__(body.get("message") or f"control API answered {status}")
        self.status = status
        self.body = body


@dataclass
class Endpoint:
    url: str
    token: str


def find_endpoint(url: str | None, token: str | None, directory: Path | None = None) -> Endpoint:
    """``--endpoint/--token``, then ``$OVERCAST_ENDPOINT/$OVERCAST_TOKEN``, then a running dev platform's."""
    url = url or os.environ.get("OVERCAST_ENDPOINT")
    token = token or os.environ.get("OVERCAST_TOKEN")
    if not url or not token:
        try:
            info = discovery.find(None, directory)
        except discovery.PlatformNotFound:
            info = {}
        url = url or info.get("control")
        if not token and info.get("tokenFile") and Path(info["tokenFile"]).is_file():
            token = Path(info["tokenFile"]).read_text().strip()
    if not url:
        raise OvercastError("no control endpoint: pass --endpoint URL (or set OVERCAST_ENDPOINT), "
                            "or run from a project where `overcast dev` runs")
    if not token:
        raise OvercastError("no token: pass --token T (or set OVERCAST_TOKEN); the platform wrote its token to "
                            ".overcast/token in the project it was first started from")
    return Endpoint(url.rstrip("/"), token)


class Control:
    def __init__(self, endpoint: Endpoint, timeout: float = 180.0) -> None:
        self.http = httpx.Client(base_url=endpoint.url, timeout=timeout,
                                 headers={"authorization": f"Bearer {endpoint.token}"})

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, *, json: object = None, content: bytes | None = None,
             params: dict | None = None) -> dict:
        try:
            resp = self.http.request(method, path, json=json, content=content, params=params)
        except httpx.HTTPError as exc:
            raise OvercastError(f"cannot reach the control API at {self.http.base_url}: {exc}") from None
        try:
            body = resp.json()
        except ValueError:
            body = {"message": resp.text[:500]}
        if resp.status_code >= 400:
            raise ControlError(resp.status_code, body)
        return body

    def upload_code(self, sha: str, data: bytes) -> bool:
        if self.call("GET", f"/v1/code/{sha}")["exists"]:
            return False
        self.call("PUT", f"/v1/code/{sha}", content=data)
        return True
