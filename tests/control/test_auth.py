"""Bearer token checks (pure) and rotation against a real engine."""

from __future__ import annotations

import time

import httpx

from overcast.control import auth


def test_check_accepts_only_the_right_bearer_token():
    good = auth.digest("s3cret")
    assert auth.check(b"Bearer s3cret", good)
    assert auth.check(b"bearer s3cret ", good)
    assert not auth.check(b"Bearer other", good)
    assert not auth.check(b"Basic s3cret", good)
    assert not auth.check(b"Bearer ", good)
    assert not auth.check(None, good)
    assert not auth.check(b"Bearer s3cret", None)  # a platform without a token accepts nobody


def test_rotation_replaces_the_token(tmp_path):
    from overcast.testing import running_platform
    from tests.conftest import EXAMPLES, copy_stack

    stack = copy_stack(EXAMPLES / "hello", tmp_path / "hello")
    with running_platform(stack) as p:
        old = p.token
        assert oct((stack / ".overcast" / "token").stat().st_mode & 0o777) == "0o600"
        assert httpx.get(p.control_url + "/v1/stacks", headers={"authorization": f"Bearer {old}"}).status_code == 200
        out = p.cli("token", "rotate", "--dir", str(stack))
        new = out.stdout.strip()
        assert out.returncode == 0 and new and new != old
        assert p.token == new  # the project's token file follows
        refused = False
        for _ in range(40):  # the control API caches the accepted digest for up to a second
            if httpx.get(p.control_url + "/v1/stacks", headers={"authorization": f"Bearer {old}"}).status_code == 401:
                refused = True
                break
            time.sleep(0.1)
        assert refused
        assert httpx.get(p.control_url + "/v1/stacks", headers={"authorization": f"Bearer {new}"}).status_code == 200
