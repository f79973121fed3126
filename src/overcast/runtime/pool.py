"""A pool of execution environments for one function (Lambda's scaling model, on one node).

Admission is decided synchronously when a request arrives: a warm idle environment (most recently used
first) if there is one; else, if the function's and the platform's concurrency allow another execution,
the request is admitted to wait for the **first environment that is free** — a busy one finishing or a
new one starting; else it is throttled at once, never queued beyond the concurrency limits.

New environments are started for waiting requests, at most ``lambda.concurrent_inits`` at once per
function, and handed to whichever request waits longest when ready. A burst therefore does not fork
an environment per request: on a small node, a request is usually served sooner by an environment
that finishes its call in a millisecond than by a cold start that takes a hundred. Environments of an
older code generation are never handed a request.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import time
from collections.abc import Callable

from overcast import limits
from overcast.engine import protocol
from overcast.runtime import calls
from overcast.runtime.admission import Account, function_limit, refusal
from overcast.runtime.config import FunctionConfig
from overcast.runtime.environment import BUSY, DEAD, IDLE, Environment
from overcast.runtime.forkserver import ForkServer

log = logging.getLogger("overcast.runtime")


class PoolClosed(Exception):
    """The pool was closed while a request waited for an environment."""


class Pool:
    def __init__(self, cfg: FunctionConfig, forkserver: ForkServer, account: Account,
                 publish_logs: Callable[[FunctionConfig, str, int, str], None],
                 code_changed: Callable[[], bool] = lambda: False) -> None:
        self.cfg = cfg
        self.forkserver = forkserver
        self.account = account
        self.publish_logs = publish_logs
        self.code_changed = code_changed
        self.generation = 0
        self.envs: list[Environment] = []
        self.idle: list[Environment] = []
        self.active = 0  # admitted requests: waiting for an environment or running on one
        self.starting = 0
        self.waiting: collections.deque[asyncio.Future] = collections.deque()
        self.by_pid: dict[int, Environment] = {}
        self._starts: set[asyncio.Task] = set()
        self.closed = False

    # -- admission (synchronous) -------------------------------------------
    def admit(self) -> Environment | None | protocol.Reply:
        """A warm environment, None for "admitted: wait for the first free one" (:meth:`run` does), or a
        throttled Reply."""
        if self.code_changed():
            self.renew()
        env = self._take_idle()
        if env is not None:
            self._count(+1)
            return env
        refused = refusal(self.active, self.cfg.concurrency, self.account)
        if refused is not None:
            return refused
        self._count(+1)
        return None

    def _take_idle(self) -> Environment | None:
        while self.idle:
            env = self.idle.pop()
            if env.state == IDLE and env.generation == self.generation:
                env.state = BUSY
                return env
            self._discard(env)
        return None

    def _fn_limit(self) -> int:
        return function_limit(self.cfg.concurrency, self.account)

    def _count(self, delta: int) -> None:
        self.active += delta
        self.account.active += delta

    # -- handing environments out ----------------------------------------------
    async def _acquire(self) -> tuple[Environment, bytes | None]:
        """Wait for the first free environment: ``(env, None)``, or ``(env, init error)`` when the start
        this request waited on failed (AWS reports an init failure to the invocation that met it)."""
        env = self._take_idle()  # one may have come free since admit()
        if env is not None:
            return env, None
        fut = asyncio.get_running_loop().create_future()
        self.waiting.append(fut)
        self._grow()
        try:
            return await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                env, failure = fut.result()  # handed over just as we were cancelled: pass it on
                if failure is None:
                    self._release(env)
                else:  # its init failed: nobody gets it
                    self._discard(env)
            raise

    def waiters(self) -> int:
        return sum(1 for w in self.waiting if not w.done())

    def _grow(self) -> None:
        """Start environments for waiting requests: one per waiter not yet covered by a start in progress,
        at most ``lambda.concurrent_inits`` at once, never more environments than the concurrency allows."""
        cap = limits.LIMITS["lambda.concurrent_inits"].value
        while self.starting < min(self.waiters(), cap) and len(self.envs) < self._fn_limit():
            self.starting += 1
            task = asyncio.get_running_loop().create_task(self._start())
            self._starts.add(task)
            task.add_done_callback(self._starts.discard)

    async def _start(self) -> None:
        try:
            env, failure = await self._start_env()
        finally:
            self.starting -= 1
        if self.closed:
            self._discard(env)
            return
        if failure is None:
            self._release(env)
            self._grow()
            return
        waiter = self._next_waiter()
        if waiter is None:  # everyone found another environment meanwhile: nobody to report to
            log.warning("%s.%s: an environment failed to start: %s", self.cfg.stack, self.cfg.name,
                        failure.decode(errors="replace")[:500])
            self._discard(env)
        else:
            waiter.set_result((env, failure))
        self._grow()

    def _next_waiter(self) -> asyncio.Future | None:
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                return waiter
        return None

    def _release(self, env: Environment) -> None:
        """``env`` is free: to the longest-waiting request, else idle (or gone, if it is outdated)."""
        if env.generation != self.generation or env.state == DEAD:
            self._discard(env)
            return
        waiter = self._next_waiter()
        if waiter is not None:
            env.state = BUSY
            waiter.set_result((env, None))
            return
        env.state = IDLE
        env.last_used = time.monotonic()
        self.idle.append(env)

    # -- running ------------------------------------------------------------
    async def run(self, env: Environment | None, inv: protocol.Invocation) -> protocol.Reply:
        started = time.time()
        try:
            if env is None:
                env, failure = await self._acquire()
                if failure is not None:
                    return self._finish(env, inv, started, calls.Outcome(protocol.ERROR, failure, fatal=True),
                                        cold=True)
            cold = env.invocations == 0
            return self._finish(env, inv, started, await calls.call(env, inv, self.cfg.timeout), cold=cold)
        finally:
            self._count(-1)

    async def _start_env(self) -> tuple[Environment, bytes | None]:
        env = Environment(self.generation)
        env.state = BUSY
        self.envs.append(env)
        error = await calls.start(env, self.cfg, self.forkserver, self._register)
        return env, (None if error is None else json.dumps(error).encode())

    def _finish(self, env: Environment, inv: protocol.Invocation, started: float, out: calls.Outcome, *,
                cold: bool) -> protocol.Reply:
        text = calls.log_text(self.cfg, env, inv, out, cold)  # before the environment goes to another call
        if out.fatal:
            self._discard(env)
        else:
            self._release(env)
        self.publish_logs(self.cfg, inv.request_id, int(started * 1000), text)
        return protocol.Reply(out.status, out.payload, inv.request_id, calls.log_tail(text) if inv.log_tail else None)

    # -- lifecycle ------------------------------------------------------------
    def renew(self) -> None:
        """New code or configuration: no older environment gets another request."""
        self.generation += 1
        for env in list(self.idle):
            self._discard(env)
        self.idle.clear()

    def _register(self, env: Environment) -> None:
        self.by_pid[env.pid] = env

    def _discard(self, env: Environment) -> None:
        env.kill()
        if env in self.envs:
            self.envs.remove(env)
        if env in self.idle:
            self.idle.remove(env)
        self.by_pid.pop(env.pid, None)
        if self.waiting and not self.closed:
            self._grow()  # requests waiting on it (a busy one died, an outdated one went) need another

    def exited(self, pid: int, status: int) -> None:
        env = self.by_pid.get(pid)
        if env is None:
            return
        env.exited(status)
        if env.state == IDLE:
            self._discard(env)

    def reap_idle(self, idle_timeout: float) -> None:
        now = time.monotonic()
        for env in [e for e in self.idle if now - e.last_used > idle_timeout]:
            self._discard(env)

    def close(self) -> None:
        self.closed = True
        for task in self._starts:
            task.cancel()
        while (waiter := self._next_waiter()) is not None:
            waiter.set_exception(PoolClosed(f"{self.cfg.stack}.{self.cfg.name}: the runtime is stopping"))
        for env in list(self.envs):
            self._discard(env)
        self.idle.clear()
