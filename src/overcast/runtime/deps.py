"""Per-stack Python dependencies: ``requirements.txt`` installed into a content-hashed directory.

The directory's name is a hash of the requirements text and the Python
version, so an unchanged file is installed once per node and reused; two
stacks pinning different versions of one library each get their own. The
directory goes on the function's ``sys.path`` right after its code, ahead of
anything the platform itself has installed. A failed install raises
:class:`DepsError` with pip's own words — the pre-deploy check reports it, so
the deploy fails and the running revision is untouched.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

from overcast.errors import OvercastError

REQUIREMENTS = "requirements.txt"
INSTALL_TIMEOUT_S = 600.0


class DepsError(OvercastError):
    code = "deploy.dependencies"
    http_status = 422


_locks: dict[str, asyncio.Lock] = {}


def deps_key(requirements: bytes) -> str:
    tag = f"py{sys.version_info.major}.{sys.version_info.minor}-{sys.platform}".encode()
    return hashlib.sha256(tag + b"\0" + requirements).hexdigest()[:32]


async def ensure(code_root: Path, cache: Path) -> Path | None:
    """The installed dependencies of the code at ``code_root`` (None when it has no requirements.txt)."""
    req = code_root / REQUIREMENTS
    if not req.is_file():
        return None
    text = req.read_bytes()
    key = deps_key(text)
    target = cache / "deps" / key
    if target.is_dir():
        return target
    lock = _locks.setdefault(key, asyncio.Lock())
    async with lock:
        if target.is_dir():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{key[:12]}-"))
        try:
            await _pip_install(req, staging)
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return target


async def _pip_install(req: Path, target: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet",
        "--no-compile", "--target", str(target), "-r", str(req),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), INSTALL_TIMEOUT_S)
    except asyncio.TimeoutError:
        proc.kill()
        raise DepsError(f"installing {REQUIREMENTS} took longer than {INSTALL_TIMEOUT_S:.0f} s") from None
    if proc.returncode != 0:
        lines = [ln for ln in out.decode(errors="replace").splitlines()
                 if ln.strip() and not ln.startswith("WARNING: Location")]
        raise DepsError(f"installing {REQUIREMENTS} failed: " + " | ".join(lines[-6:]))
