"""The worker manager: serves every deployed function's invocation subject.

It watches the desired-state bucket and reconciles: a pool and a queue-group
subscription per function, renewed when the function's configuration or code
changes, removed when the function goes. Each request is admitted synchronously in
the subscription callback and then runs in its own task (``invocations``), so one
slow call never holds up another.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

import orjson
from nats.aio.client import Client

from overcast.deploy import state
from overcast.engine import subjects
from overcast.engine.connect import connect, ensure_resources
from overcast.observe import logs
from overcast.platform import nodes
from overcast.runtime import check, invocations, serving
from overcast.runtime.admission import Account
from overcast.runtime.config import FunctionConfig
from overcast.runtime.forkserver import ForkServer
from overcast.runtime.pool import Pool
from overcast.runtime.watch import CodeWatcher

log = logging.getLogger("overcast.runtime")
Key = serving.Key


class Manager:
    def __init__(self, nats_url: str, cache: Path, idle_timeout: float = 300.0, endpoint: str | None = None) -> None:
        self.nats_url = nats_url
        self.endpoint = endpoint  # this node's gateway, for AWS_ENDPOINT_URL_* in functions
        self.cache = cache
        self.idle_timeout = idle_timeout
        self.node_id = nodes.new_node_id()
        self.nc: Client | None = None
        self.account = Account()
        self.forkserver = ForkServer(self._exited)
        self.pools: dict[Key, Pool] = {}
        self.subs: dict[Key, object] = {}
        self.watchers: dict[tuple[str, str], CodeWatcher] = {}
        self.applied: dict[str, int] = {}
        self.draining: list[Pool] = []  # versions no alias points at any more, finishing their last calls
        self.trials: dict[int, object] = {}
        self._tasks: set[asyncio.Task] = set()
        self.logs: logs.LogBatcher | None = None
        self._stop = asyncio.Event()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop.set)
        await self.forkserver.start()
        self.nc = await connect(self.nats_url, f"overcast-runtime-{self.node_id}")
        self.logs = logs.LogBatcher(self.nc.publish)
        await ensure_resources(self.nc)
        await self.nc.subscribe(subjects.node_status("runtime", self.node_id), cb=self._status)
        await self.nc.subscribe(subjects.CHECK, cb=self._check)
        tasks = [asyncio.create_task(state.watch(self.nc, self._apply)), asyncio.create_task(self._reaper()),
                 asyncio.create_task(nodes.heartbeat(self.nc, "runtime", self.node_id))]
        await self._stop.wait()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.shutdown()

    async def shutdown(self) -> None:
        if self.logs is not None:
            await self.logs.flush()
        for sub in self.subs.values():
            await sub.unsubscribe()
        for pool in [*self.pools.values(), *self.draining]:
            pool.close()
        self.forkserver.stop()
        if self.nc is not None:
            await self.nc.drain()

    # -- desired state ------------------------------------------------------
    async def _apply(self, stage: str, stack: str, stack_state: dict | None, revision: int) -> None:
        try:
            await self.reconcile(stage, stack, stack_state, revision)
        except Exception:  # keep serving what we have; the status shows the revision not applied
            log.exception("could not apply revision %s of stack %s.%s", revision, stage, stack)

    async def code_root(self, doc: dict) -> tuple[str, str | None]:
        return await serving.code_root(self.nc, self.cache, doc)

    async def reconcile(self, stage: str, stack: str, stack_state: dict | None, revision: int) -> None:
        wanted = await serving.wanted(self.nc, self.cache, stage, stack, stack_state,
                                      self.endpoint) if stack_state else {}
        for key in [k for k in self.pools if k[:2] == (stage, stack) and k not in wanted]:
            await self._retire(key)
        live = stack_state is not None and "path" in stack_state["code"]
        watcher = self.watchers.get((stage, stack))
        if watcher is not None and (not live or watcher.root != stack_state["code"]["path"]):
            self.watchers.pop((stage, stack)).close()
        if live and (stage, stack) not in self.watchers:
            self.watchers[(stage, stack)] = CodeWatcher(stack_state["code"]["path"])
        for key, cfg in wanted.items():
            pool = self.pools.get(key)
            if pool is None:
                await self._add(key, cfg)
            elif pool.cfg != cfg:
                pool.cfg = cfg
                pool.code_changed = self._code_changed(stage, stack)
                pool.renew()
        name = subjects.stack_key(stage, stack)
        if stack_state:
            self.applied[name] = revision
        else:
            self.applied.pop(name, None)

    def _code_changed(self, stage: str, stack: str):
        watcher = self.watchers.get((stage, stack))
        return watcher.tracker() if watcher is not None else (lambda: False)

    async def _add(self, key: Key, cfg: FunctionConfig) -> None:
        pool = Pool(cfg, self.forkserver, self.account, self._publish_logs, self._code_changed(cfg.stage, cfg.stack))
        self.pools[key] = pool

        async def on_request(msg) -> None:
            await invocations.on_request(pool, msg, self._spawn_task, self.nc)

        self.subs[key] = await self.nc.subscribe(
            subjects.invoke(*key), queue=subjects.pool_group(*key), cb=on_request)

    async def _retire(self, key: Key) -> None:
        """Stop taking requests for ``key``; calls in flight finish on their environments."""
        sub = self.subs.pop(key, None)
        if sub is not None:
            await sub.drain()  # requests already delivered to us are still admitted and answered
        pool = self.pools.pop(key)
        pool.renew()  # idle environments go now, busy ones when their call ends
        self.draining.append(pool)

    # -- requests -------------------------------------------------------------
    def _spawn_task(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _publish_logs(self, cfg: FunctionConfig, rid: str, started_ms: int, text: str) -> None:
        self.logs.add(subjects.logs(cfg.stage, cfg.stack, cfg.name),
                      logs.record(cfg.stage, cfg.stack, cfg.name, rid, started_ms, text))

    # -- pre-deploy checks ------------------------------------------------------
    async def _check(self, msg) -> None:
        self._spawn_task(self._run_check(msg))

    async def _run_check(self, msg) -> None:
        body = await check.answer(msg.data, self.node_id, self.code_root, self.forkserver, self._register_trial,
                                  self.endpoint)
        await msg.respond(orjson.dumps(body))

    def _register_trial(self, env) -> None:
        self.trials[env.pid] = env

    # -- housekeeping -----------------------------------------------------------
    def _exited(self, pid: int, status: int) -> None:
        trial_env = self.trials.pop(pid, None)
        if trial_env is not None:
            trial_env.exited(status)
            return
        for pool in [*self.pools.values(), *self.draining]:
            if pid in pool.by_pid:
                pool.exited(pid, status)
                return

    async def _reaper(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.idle_timeout / 2))
            for pool in self.pools.values():
                pool.reap_idle(self.idle_timeout)
            self.draining = [p for p in self.draining if p.envs]

    async def _status(self, msg) -> None:
        pools = {".".join(k): {"environments": len(p.envs), "idle": len(p.idle), "active": p.active,
                               "starting": p.starting, "waiting": p.waiters(), "generation": p.generation}
                 for k, p in self.pools.items()}
        await msg.respond(orjson.dumps({"role": "runtime", "node": self.node_id, "stacks": self.applied,
                                        "pools": pools}))
