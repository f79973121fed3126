"""Tables declared in stack files: created at deploy, used by handlers through boto3, retained on remove."""

from __future__ import annotations

import httpx

from overcast.testing import running_platform
from tests.conftest import EXAMPLES, copy_stack


def test_todo_example_crud_in_dev_mode(tmp_path):
    stack = copy_stack(EXAMPLES / "todo", tmp_path / "todo")
    with running_platform(stack) as p, httpx.Client(base_url=p.url, timeout=30) as http:
        created = http.post("/todos", json={"title": "write tests"})
        assert created.status_code == 201, created.text
        todo = created.json()
        assert http.get(f"/todos/{todo['id']}").json() == {"id": todo["id"], "title": "write tests", "done": False}
        updated = http.put(f"/todos/{todo['id']}", json={"title": "write tests", "done": True}).json()
        assert updated["done"] is True
        assert http.put("/todos/nope", json={"title": "x"}).status_code == 404
        assert http.get("/todos").json() == {"todos": [updated]}
        assert http.delete(f"/todos/{todo['id']}").json() == {"deleted": True}
        assert http.get(f"/todos/{todo['id']}").status_code == 404


def test_removed_stack_keeps_its_table_data_unless_asked(tmp_path):
    host = copy_stack(EXAMPLES / "hello", tmp_path / "hello")
    todo = copy_stack(EXAMPLES / "todo", tmp_path / "todo")
    with running_platform(host) as p, httpx.Client(base_url=p.url, timeout=30) as http:
        first = p.deploy(todo, args=("--stage", "prod"))
        assert first.returncode == 0, first.stderr
        item = http.post("/prod/todos", json={"title": "keep me"}).json()
        removed = p.control("remove", "todo", "--stage", "prod")
        assert removed.returncode == 0 and "stateful data retained" in removed.stdout
        assert http.get(f"/prod/todos/{item['id']}").status_code == 404  # no route any more
        again = p.deploy(todo, args=("--stage", "prod"))
        assert again.returncode == 0, again.stderr
        assert http.get(f"/prod/todos/{item['id']}").json()["title"] == "keep me"  # the data survived
        gone = p.control("remove", "todo", "--stage", "prod", "--delete-data", "--yes")
        assert gone.returncode == 0, gone.stderr
        assert p.deploy(todo, args=("--stage", "prod")).returncode == 0
        assert http.get(f"/prod/todos/{item['id']}").status_code == 404
        assert http.get("/prod/todos").json() == {"todos": []}
