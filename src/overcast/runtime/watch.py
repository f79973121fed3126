"""Know, at the moment a request is admitted, whether a stack's code changed.

On Linux the kernel queues an inotify event during the write itself, so a
non-blocking read of the inotify descriptor when a request arrives sees every
edit that finished before the request was sent: no stale code, and the check
costs one system call. Elsewhere we fall back to comparing a scan of mtimes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import struct

IGNORED_DIRS = {".overcast", "__pycache__", ".git", ".venv", "venv", "node_modules", ".pytest_cache"}
IGNORED_SUFFIXES = (".pyc", ".pyo", ".swp", ".swx", "~")

_IN_NONBLOCK = 0o4000
_IN_CLOEXEC = 0o2000000
_IN_ISDIR = 0x40000000
_IN_Q_OVERFLOW = 0x4000
_MASK = (0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800)  # modify attrib close_write moves create delete self
_EVENT = struct.Struct("iIII")


def _walk_dirs(root: str):
    for dirpath, dirnames, _files in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in IGNORED_DIRS]
        yield dirpath


class _Inotify:
    def __init__(self, root: str) -> None:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        self._add = libc.inotify_add_watch
        self._add.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        self.fd = libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self.paths: dict[int, str] = {}
        for d in _walk_dirs(root):
            self._watch(d)

    def _watch(self, path: str) -> None:
        wd = self._add(self.fd, os.fsencode(path), _MASK)
        if wd >= 0:
            self.paths[wd] = path

    def changed(self) -> bool:
        changed = False
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return changed
            offset = 0
            while offset < len(data):
                wd, mask, _cookie, size = _EVENT.unpack_from(data, offset)
                name = data[offset + _EVENT.size: offset + _EVENT.size + size].rstrip(b"\0").decode(errors="replace")
                offset += _EVENT.size + size
                if mask & _IN_Q_OVERFLOW:
                    changed = True
                    continue
                if name in IGNORED_DIRS or name.endswith(IGNORED_SUFFIXES):
                    continue
                parent = self.paths.get(wd, "")
                if any(part in IGNORED_DIRS for part in parent.split(os.sep)):
                    continue
                if mask & _IN_ISDIR and mask & (0x100 | 0x80):  # a new directory: watch it too
                    for d in _walk_dirs(os.path.join(parent, name)):
                        self._watch(d)
                changed = True

    def close(self) -> None:
        os.close(self.fd)


class _Scan:
    def __init__(self, root: str) -> None:
        self.root = root
        self.snapshot = self._scan()

    def _scan(self) -> dict:
        out = {}
        for d in _walk_dirs(self.root):
            for entry in os.scandir(d):
                if entry.is_file() and not entry.name.endswith(IGNORED_SUFFIXES):
                    st = entry.stat()
                    out[entry.path] = (st.st_mtime_ns, st.st_size)
        return out

    def changed(self) -> bool:
        now = self._scan()
        changed, self.snapshot = now != self.snapshot, now
        return changed

    def close(self) -> None:
        pass


class CodeWatcher:
    """``version()`` grows by one each time files under ``root`` are seen changed."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._version = 0
        try:
            self._impl = _Inotify(root)
        except (OSError, AttributeError):
            self._impl = _Scan(root)

    def version(self) -> int:
        if self._impl.changed():
            self._version += 1
        return self._version

    def tracker(self):
        """A callable that is True once each time the files changed since it last answered."""
        seen = [self.version()]

        def changed() -> bool:
            now = self.version()
            if now != seen[0]:
                seen[0] = now
                return True
            return False

        return changed

    def close(self) -> None:
        self._impl.close()
