"""SQLite backend specifics: WAL file, durability after kill -9, in-memory databases."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from overcast.tables.storage import open_storage
from overcast.tables.storage.sqlite import SqliteStorage
from tests.tables.avs import N, S
from tests.tables.storage.helpers import MB, put, table

WRITER = textwrap.dedent("""
    import asyncio, sys, time
    from overcast.tables.storage.base import KeySchema, TableDef
    from overcast.tables.storage.sqlite import SqliteStorage

    async def main(path, count):
        storage = SqliteStorage(path)
        await storage.open()
        await storage.create_table(TableDef("T", KeySchema("pk", "S", "sk", "N"), stream_view="NEW_IMAGE"))
        for n in range(count):
            item = {"pk": {"S": "p"}, "sk": {"N": str(n)}, "v": {"S": "x" * 100}}
            await storage.write("T", {"pk": item["pk"], "sk": item["sk"]}, lambda old, item=item: item)
        print("ok", flush=True)
        time.sleep(600)  # killed here: never closes, never checkpoints

    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
""")


async def test_acknowledged_writes_survive_kill_9(tmp_path):
    path = str(tmp_path / "tables.db")
    count = 500
    proc = subprocess.Popen([sys.executable, "-c", WRITER, path, str(count)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line == "ok\n", proc.stderr.read() if proc.poll() is not None else line
        assert os.path.getsize(path + "-wal") > 0  # the writes are in the WAL, not checkpointed
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    async with SqliteStorage(path) as storage:
        assert (await storage.item_count("T"))[0] == count
        page = await storage.query("T", None, S("p"), None, False, None, 1, MB)
        assert page.items[0]["sk"] == N(count - 1)
        changes = await storage.changes(0, 10_000)
        assert len(changes) == count


async def test_file_is_in_wal_mode_and_reopens(tmp_path):
    path = str(tmp_path / "sub" / "dir" / "tables.db")  # missing directories are created
    async with SqliteStorage(path) as storage:
        assert storage.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert storage.db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        await storage.create_table(table("T"))
        await put(storage, "T", {"pk": S("a")})
    async with SqliteStorage(path, synchronous="full") as storage:
        assert storage.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert await storage.get_item("T", {"pk": S("a")}) == {"pk": S("a")}


async def test_two_connections_share_one_file(tmp_path):
    path = str(tmp_path / "tables.db")
    async with SqliteStorage(path) as one, SqliteStorage(path) as two:
        await one.create_table(table("T", stream_view="KEYS_ONLY"))
        for n in range(10):
            store = one if n % 2 else two
            await store.write("T", {"pk": S("c")}, lambda old: {"pk": S("c"), "n": N(int((old or {"n": N(0)})["n"]["N"]) + 1)})
        assert await two.get_item("T", {"pk": S("c")}) == {"pk": S("c"), "n": N(10)}
        changes = await two.changes(0, 100)
        assert [c.sequence for _, c in changes] == list(range(1, 11))


async def test_memory_url_for_unit_tests():
    storage = open_storage("sqlite:///:memory:")
    async with storage:
        await storage.create_table(table("T"))
        await put(storage, "T", {"pk": S("a")})
        assert await storage.get_item("T", {"pk": S("a")}) == {"pk": S("a")}
