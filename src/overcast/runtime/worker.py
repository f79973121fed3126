"""One execution environment: import the handler once, then run invocations one at a time.

Runs in a process forked by the zygote. stdout and stderr (the file
descriptors, so C extensions and subprocesses are captured too) go to a pipe
the pool reads; the pool attributes what arrives to the invocation running.
"""

from __future__ import annotations

import decimal
import io
import json
import logging
import os
import resource
import signal
import socket
import sys
import time
import traceback

from overcast.runtime import frames, preload
from overcast.runtime.context import LambdaContext, client_context_of
from overcast.runtime.loader import InitError, install_fresh_imports, load_handler

_request_id = ""


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _request_id
        return True


def _setup_logging() -> None:
    # The format AWS's Python runtime gives the root logger.
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                                  "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]


def _redirect_output(log_fd: int) -> None:
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    for fd, name in ((1, "stdout"), (2, "stderr")):
        stream = io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=True)
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _inherited_data() -> int:
    """This process's data size (``VmData``: what RLIMIT_DATA counts) in bytes, as forked from the zygote."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _decimal_default(obj):
    # AWS's runtime serialises Decimal (what boto3's DynamoDB layer returns) as a number.
    if isinstance(obj, decimal.Decimal):
        return float(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _error(exc: BaseException, request_id: str) -> dict:
    frames_ = traceback.extract_tb(exc.__traceback__)[1:]  # drop our own call frame
    return {"errorMessage": str(exc), "errorType": type(exc).__name__, "requestId": request_id,
            "stackTrace": traceback.format_list(frames_)}


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass


def run(channel_fd: int, log_fd: int, config: dict) -> None:
    """Entry point in the forked child (the zygote already tied its life to the zygote's); never returns."""
    global _request_id
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _redirect_output(log_fd)
    os.environ.clear()
    os.environ.update(config["env"])
    time.tzset()
    # The runtime and the libraries the zygote preloaded (runtime/preload.py) are the platform's, inherited at
    # fork: not charged to the function's memory, which bounds what the function itself allocates.
    memory = int(config["memory"]) * 1024 * 1024 + _inherited_data()
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    root = config["root"]
    os.chdir(root)
    sys.path.insert(0, root)
    if config.get("deps"):  # the stack's own requirements win over anything the platform installed
        sys.path.insert(1, config["deps"])
    preload.forget_shadowed([root, config.get("deps") or ""])  # so do its own copies of boto3 & co.
    install_fresh_imports(root)
    _setup_logging()
    sock = socket.socket(fileno=channel_fd)
    started = time.perf_counter()
    try:
        handler = load_handler(config["handler"])
    except InitError as exc:
        _flush()
        sock.sendall(frames.pack(frames.INIT_ERROR, json.dumps(exc.error).encode()))
        os._exit(0)
    _flush()
    sock.sendall(frames.pack(frames.READY, json.dumps({"initMs": (time.perf_counter() - started) * 1000}).encode()))
    ctx_args = {
        "function_name": config["function_name"], "function_version": config["version"],
        "invoked_function_arn": config["arn"], "memory_limit_in_mb": str(config["memory"]),
        "log_group_name": config["log_group"], "log_stream_name": config["log_stream"],
    }
    max_response = int(config["max_response"])
    reader = frames.FrameReader(sock)
    while True:
        frame = reader.read()
        if frame is None:
            os._exit(0)
        head, _, payload = frame[1].partition(b"\n")
        meta = json.loads(head)
        _request_id = meta["rid"]
        ctx = LambdaContext(request_id=_request_id, deadline_ms=meta["deadline"], **ctx_args)
        if "cc" in meta:
            ctx.client_context = client_context_of(meta["cc"])
        t0 = time.perf_counter()
        kind, out, fatal = _invoke(handler, payload, ctx, max_response)
        _flush()
        tail = {"ms": (time.perf_counter() - t0) * 1000,
                "maxMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}
        sock.sendall(frames.pack(kind, json.dumps(tail).encode() + b"\n" + out))
        if fatal:  # after running out of memory the environment is not trusted again
            os._exit(1)


def _invoke(handler, payload: bytes, ctx: LambdaContext, max_response: int) -> tuple[int, bytes, bool]:
    rid = ctx.aws_request_id
    try:
        result = handler(json.loads(payload), ctx)
    except MemoryError as exc:
        msg = (f"RequestId: {rid} Error: memory limit of {ctx.memory_limit_in_mb} MB reached "
               "(the function's `memory`, limit lambda.memory: 128-10240 MB)")
        err = _error(exc, rid) | {"errorMessage": msg, "errorType": "Runtime.OutOfMemory"}
        return frames.FAILURE, json.dumps(err).encode(), True
    except Exception as exc:
        traceback.print_exc()  # AWS writes the error to the function's log as well
        return frames.FAILURE, json.dumps(_error(exc, rid)).encode(), False
    try:
        out = json.dumps(result, default=_decimal_default).encode()
    except (TypeError, ValueError) as exc:
        err = {"errorMessage": f"Unable to marshal response: {exc}", "errorType": "Runtime.MarshalError",
               "requestId": rid, "stackTrace": []}
        return frames.FAILURE, json.dumps(err).encode(), False
    if len(out) > max_response:
        err = {"errorMessage": f"Response payload size ({len(out)} bytes) exceeded maximum allowed payload size "
                               f"({max_response} bytes): limit lambda.sync_response_payload",
               "errorType": "Function.ResponseSizeTooLarge", "requestId": rid, "stackTrace": []}
        return frames.FAILURE, json.dumps(err).encode(), False
    return frames.RESULT, out, False
