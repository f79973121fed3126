"""Errors of the deploy tool (answered by the control API with their status)."""

from __future__ import annotations

from overcast.errors import OvercastError


class DeployRefused(OvercastError):
    code = "deploy.refused"
    http_status = 409


class DeployFailed(OvercastError):
    code = "deploy.failed"
    http_status = 422


class BadRequest(OvercastError):
    code = "deploy.bad_request"
    http_status = 400
