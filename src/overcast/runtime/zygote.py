"""The zygote: a small process with the runtime imported that forks environments.

A pool asks it over a SOCK_SEQPACKET socket to fork a new environment, passing
the environment's channel and log pipe as file descriptors (SCM_RIGHTS). The
child runs :func:`overcast.runtime.worker.run`. Forking a warm, single-threaded
process costs about a millisecond, where starting a fresh interpreter costs
tens: this is what keeps cold starts short. The zygote reaps its children and
reports each exit status, so a crash can be told apart from a timeout.

Messages (JSON, one per datagram):
  pool -> zygote  {"op": "fork", "id": N, "config": {...}}  + fds [channel, log]
  zygote -> pool  {"op": "forked", "id": N, "pid": P}
                  {"op": "exit", "pid": P, "status": WAITSTATUS}
"""

from __future__ import annotations

# Imported here so that every forked environment starts with them loaded.
import base64  # noqa: F401
import datetime  # noqa: F401
import decimal  # noqa: F401
import json
import os
import signal
import socket
import sys
import urllib.parse  # noqa: F401
import uuid  # noqa: F401

from overcast.process import die_with_parent
from overcast.runtime import preload, worker

MAX_MESSAGE = 1 << 20


def _reap(ctrl: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        try:
            ctrl.send(json.dumps({"op": "exit", "pid": pid, "status": status}).encode())
        except OSError:
            return


def serve(ctrl_fd: int) -> None:
    ctrl = socket.socket(fileno=ctrl_fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the pool decides
    signal.signal(signal.SIGCHLD, lambda *_: _reap(ctrl))
    while True:
        try:
            data, fds, _flags, _addr = socket.recv_fds(ctrl, MAX_MESSAGE, 2)
        except InterruptedError:
            continue
        if not data:
            return  # the pool went away
        msg = json.loads(data)
        if msg.get("op") != "fork" or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            continue
        channel_fd, log_fd = fds
        zygote = os.getpid()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                die_with_parent(signal.SIGKILL)
                if os.getppid() != zygote:  # the zygote died before the line above: no orphans
                    os._exit(1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                ctrl.close()
                worker.run(channel_fd, log_fd, msg["config"])
            except BaseException:  # noqa: BLE001 - the child must never return into the zygote loop
                import traceback
                traceback.print_exc()
            finally:
                os._exit(code)
        os.close(channel_fd)
        os.close(log_fd)
        ctrl.send(json.dumps({"op": "forked", "id": msg["id"], "pid": pid}).encode())


if __name__ == "__main__":
    preload.preload()  # boto3 & co. once here, not in every environment (runtime/preload.py)
    serve(int(sys.argv[1]))
