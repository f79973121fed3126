"""Code artifacts: a stack directory packed reproducibly, stored by content hash.

Deploys upload the packed code once into the JetStream object store bucket
``overcast_code`` (name = sha256 of the archive); every node fetches it into
its own cache and runs functions from ``CACHE/code/SHA``. The same directory
always packs to the same bytes (sorted entries, fixed times and owners), so an
unchanged stack is never uploaded twice and its functions keep their version.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from nats.aio.client import Client
from nats.js.api import ObjectStoreConfig
from nats.js.errors import BucketNotFoundError, ObjectNotFoundError

from overcast.runtime.watch import IGNORED_DIRS, IGNORED_SUFFIXES

CODE_BUCKET = "overcast_code"
MAX_CODE_BYTES = 256 * 1024 * 1024
# The stack file is configuration, carried in the state document: editing it alone changes no code version.
NOT_CODE = {"overcast.yml", "overcast.yaml"}


def pack(root: Path) -> tuple[str, bytes]:
    """(sha256 hex, tar.gz bytes) of the stack directory, reproducibly."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
        for path in _files(root):
            rel = path.relative_to(root).as_posix()
            info = tarfile.TarInfo(rel)
            st = path.stat()
            info.size = st.st_size
            info.mode = 0o755 if st.st_mode & 0o111 else 0o644
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with open(path, "rb") as fh:
                tar.addfile(info, fh)
    data = buf.getvalue()
    # gzip stores a timestamp in its header: zero it so equal trees give equal bytes
    data = data[:4] + b"\0\0\0\0" + data[8:]
    return hashlib.sha256(data).hexdigest(), data


def _files(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED_DIRS)
        for name in sorted(filenames):
            if not name.endswith(IGNORED_SUFFIXES) and not (dirpath == str(root) and name in NOT_CODE):
                p = Path(dirpath) / name
                if p.is_file():
                    out.append(p)
    return out


async def _bucket(nc: Client):
    js = nc.jetstream()
    try:
        return await js.object_store(CODE_BUCKET)
    except BucketNotFoundError:
        return await js.create_object_store(CODE_BUCKET, ObjectStoreConfig(description="overcast code artifacts"))


async def upload(nc: Client, sha: str, data: bytes) -> bool:
    """Store an archive under its hash; False if it was already there."""
    if hashlib.sha256(data).hexdigest() != sha:
        raise ValueError("archive does not match its sha256")
    store = await _bucket(nc)
    try:
        await store.get_info(sha)
        return False
    except ObjectNotFoundError:
        pass
    await store.put(sha, data)
    return True


async def exists(nc: Client, sha: str) -> bool:
    store = await _bucket(nc)
    try:
        await store.get_info(sha)
        return True
    except ObjectNotFoundError:
        return False


async def fetch(nc: Client, sha: str, cache: Path) -> Path:
    """The extracted code directory for ``sha`` in this node's cache (fetched once)."""
    target = cache / "code" / sha
    if target.is_dir():  # only ever created by the atomic rename below, so complete
        return target
    store = await _bucket(nc)
    result = await store.get(sha)
    data = result.data or b""
    if hashlib.sha256(data).hexdigest() != sha:
        raise ValueError(f"code artifact {sha} is corrupt in the object store")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{sha[:12]}-"))
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            tar.extractall(staging, filter="data")
        try:
            staging.rename(target)
        except OSError:  # another process of this node extracted it meanwhile
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
