"""Shared fixtures: real platforms (nats-server, runtime, gateway) on free ports."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from overcast.testing import running_platform

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = Path(__file__).parent.parent / "examples"


def copy_stack(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".overcast", "__pycache__"))
    return dest


@pytest.fixture(scope="session")
def core(tmp_path_factory):
    """The `core` fixture stack served by one platform for the whole session."""
    stack = copy_stack(FIXTURES / "core", tmp_path_factory.mktemp("core") / "core")
    with running_platform(stack) as platform:
        yield platform


@pytest.fixture(scope="session")
def http(core):
    with httpx.Client(base_url=core.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def engine_url(tmp_path_factory):
    """URL of one embedded nats-server (JetStream on, free port) shared by engine-level tests.

    Tests using it must name their resources uniquely (uuid) since the server is shared."""
    from overcast.engine.server import EmbeddedNats

    engine = EmbeddedNats(tmp_path_factory.mktemp("engine"))
    url = engine.start()
    yield url
    engine.stop()
