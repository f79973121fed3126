"""The worker manager: serves every deployed function's invocation subject.

It watches the desired-state bucket and reconciles: a pool and a queue-group
subscription per function, renewed when the function's configuration or code
changes, removed when the function goes. Requests are admitted synchronously in
the subscription callback (warm environment, new environment, or throttle) and
then run in their own task, so one slow call never holds up another.
"""

from __future__ import annotations

import asyncio
import logging
import signal

import orjson
from nats.aio.client import Client

from overcast import limits
from overcast.deploy import state
from overcast.engine import protocol, subjects
from overcast.engine.connect import connect, ensure_resources
from overcast.observe import logs
from overcast.runtime.config import FunctionConfig, functions_of
from overcast.runtime.forkserver import ForkServer
from overcast.runtime.pool import Account, Pool
from overcast.runtime.watch import CodeWatcher

log = logging.getLogger("overcast.runtime")
LOG_BATCH_S = 0.02  # log records of invocations ending within this window share one stream message


class Manager:
    def __init__(self, nats_url: str, idle_timeout: float = 300.0) -> None:
        self.nats_url = nats_url
        self.idle_timeout = idle_timeout
        self.nc: Client | None = None
        self.account = Account()
        self.forkserver = ForkServer(self._exited)
        self.pools: dict[tuple[str, str], Pool] = {}
        self.subs: dict[tuple[str, str], object] = {}
        self.watchers: dict[str, CodeWatcher] = {}
        self.applied: dict[str, int] = {}
        self._tasks: set[asyncio.Task] = set()
        self._log_batches: dict[str, list[dict]] = {}
        self._log_flush: asyncio.TimerHandle | None = None
        self._stop = asyncio.Event()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop.set)
        await self.forkserver.start()
        self.nc = await connect(self.nats_url, "overcast-runtime")
        await ensure_resources(self.nc)
        await self.nc.subscribe(subjects.status("runtime"), cb=self._status)
        tasks = [asyncio.create_task(state.watch(self.nc, self._apply)), asyncio.create_task(self._reaper())]
        await self._stop.wait()
        for t in tasks:
            t.cancel()
        await self.shutdown()

    async def shutdown(self) -> None:
        if self._log_flush is not None:
            self._log_flush.cancel()
            await self._publish_batches(self._log_batches)
        for sub in self.subs.values():
            await sub.unsubscribe()
        for pool in self.pools.values():
            pool.close()
        self.forkserver.stop()
        if self.nc is not None:
            await self.nc.drain()

    # -- desired state ------------------------------------------------------
    async def _apply(self, stack: str, stack_state: dict | None, revision: int) -> None:
        try:
            await self.reconcile(stack, stack_state, revision)
        except Exception:  # keep serving what we have; the status shows the revision not applied
            log.exception("could not apply revision %s of stack %s", revision, stack)

    async def reconcile(self, stack: str, state: dict | None, revision: int) -> None:
        wanted = {(stack, f.name): f for f in functions_of(state)} if state else {}
        for key in [k for k in self.pools if k[0] == stack and k not in wanted]:
            await self._remove(key)
        if state and stack not in self.watchers:
            self.watchers[stack] = CodeWatcher(state["root"])
        if not state and stack in self.watchers:
            self.watchers.pop(stack).close()
        for key, cfg in wanted.items():
            pool = self.pools.get(key)
            if pool is None:
                await self._add(cfg)
            elif pool.cfg != cfg:
                pool.cfg = cfg
                pool.renew()
        if state:
            self.applied[stack] = revision
        else:
            self.applied.pop(stack, None)

    async def _add(self, cfg: FunctionConfig) -> None:
        watcher = self.watchers[cfg.stack]
        seen = [watcher.version()]

        def code_changed() -> bool:
            now = watcher.version()
            if now != seen[0]:
                seen[0] = now
                return True
            return False

        pool = Pool(cfg, self.forkserver, self.account, self._publish_logs, code_changed)
        key = (cfg.stack, cfg.name)
        self.pools[key] = pool

        async def on_request(msg) -> None:
            await self._on_request(pool, msg)

        self.subs[key] = await self.nc.subscribe(
            subjects.invoke(cfg.stack, cfg.name), queue=subjects.pool_group(cfg.stack, cfg.name), cb=on_request,
        )

    async def _remove(self, key: tuple[str, str]) -> None:
        sub = self.subs.pop(key, None)
        if sub is not None:
            await sub.unsubscribe()
        self.pools.pop(key).close()

    # -- requests -------------------------------------------------------------
    async def _on_request(self, pool: Pool, msg) -> None:
        try:
            inv = protocol.decode_invocation(msg.data)
        except (ValueError, KeyError):
            return  # not ours: nothing sensible to answer
        lim = limits.LIMITS["lambda.sync_request_payload"]
        if len(inv.payload) > lim.value:
            body = orjson.dumps({"message": lim.describe_violation(f"{len(inv.payload)} bytes"),
                                 "limit": lim.name, "limitValue": lim.value})
            await msg.respond(protocol.encode_reply(protocol.Reply(protocol.REJECTED, body, inv.request_id)))
            return
        admitted = pool.admit()
        if isinstance(admitted, protocol.Reply):
            admitted.request_id = inv.request_id
            await msg.respond(protocol.encode_reply(admitted))
            return
        task = asyncio.create_task(self._serve(pool, admitted, inv, msg))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, pool: Pool, env, inv: protocol.Invocation, msg) -> None:
        try:
            reply = await pool.run(env, inv)
        except Exception as exc:  # a bug of ours must not leave the caller waiting
            log.exception("invocation %s failed inside the runtime", inv.request_id)
            reply = protocol.Reply(protocol.ERROR, protocol.error_payload(
                f"RequestId: {inv.request_id} Error: runtime failure: {exc}", "Runtime.Unknown", inv.request_id),
                inv.request_id)
        if not msg.reply:
            return
        data = protocol.encode_reply(reply)
        if len(data) > self.nc.max_payload:  # only with an external engine configured below our limit
            text = (f"Response payload size ({len(reply.payload)} bytes) exceeded the engine's max_payload "
                    f"({self.nc.max_payload} bytes): limit engine.max_payload")
            data = protocol.encode_reply(protocol.Reply(protocol.ERROR, protocol.error_payload(
                text, "Function.ResponseSizeTooLarge", inv.request_id), inv.request_id, reply.log_result))
        await msg.respond(data)

    def _publish_logs(self, cfg: FunctionConfig, rid: str, started_ms: int, text: str) -> None:
        batch = self._log_batches.setdefault(subjects.logs(cfg.stack, cfg.name), [])
        batch.append(logs.record(cfg.stack, cfg.name, rid, started_ms, text))
        if self._log_flush is None:
            self._log_flush = asyncio.get_running_loop().call_later(LOG_BATCH_S, self._flush_logs)

    def _flush_logs(self) -> None:
        self._log_flush = None
        batches, self._log_batches = self._log_batches, {}
        task = asyncio.create_task(self._publish_batches(batches))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish_batches(self, batches: dict[str, list[dict]]) -> None:
        for subject, records in batches.items():
            await self.nc.publish(subject, logs.encode_batch(records))

    # -- housekeeping -----------------------------------------------------------
    def _exited(self, pid: int, status: int) -> None:
        for pool in self.pools.values():
            if pid in pool.by_pid:
                pool.exited(pid, status)
                return

    async def _reaper(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.idle_timeout / 2))
            for pool in self.pools.values():
                pool.reap_idle(self.idle_timeout)

    async def _status(self, msg) -> None:
        pools = {f"{s}.{f}": {"environments": len(p.envs), "idle": len(p.idle), "active": p.active,
                              "generation": p.generation} for (s, f), p in self.pools.items()}
        await msg.respond(orjson.dumps({"role": "runtime", "stacks": self.applied, "pools": pools}))
