"""A table exported through an output is reachable by the importing stack's key, and by nobody else."""

from __future__ import annotations

import httpx

from overcast.testing import running_platform
from tests.conftest import EXAMPLES, copy_stack

HANDLER = '''
import json, os
import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def handler(event, context):
    try:
        if event["requestContext"]["http"]["method"] == "PUT":
            table.put_item(Item={"id": "x", "by": context.function_name})
        return {"item": table.get_item(Key={"id": "x"}).get("Item")}
    except Exception as exc:
        return {"statusCode": 403, "body": json.dumps({"error": type(exc).__name__})}
'''


def stack(root, name, table_block="", env_table="", outputs=""):
    d = root / name
    d.mkdir()
    (d / "overcast.yml").write_text(
        f"stack: {name}\n{table_block}{outputs}functions:\n  f:\n    handler: app.handler\n    timeout: 10\n"
        f"    environment:\n      TABLE: {env_table}\n    routes: ['ANY /{name}/thing']\n")
    (d / "app.py").write_text(HANDLER)
    return d


def test_exported_table_is_shared_with_importers_only(tmp_path):
    host = copy_stack(EXAMPLES / "hello", tmp_path / "hello")
    owner = stack(tmp_path, "owner", "tables:\n  things:\n    name: shared-things\n    partitionKey: {name: id, type: S}\n",
                  "shared-things", "outputs:\n  Things: ${self:tables.things.name}\n")
    user = stack(tmp_path, "user", env_table="${stack:owner.Things}")
    stranger = stack(tmp_path, "stranger", env_table="shared-things")
    with running_platform(host) as p, httpx.Client(base_url=p.url, timeout=30) as http:
        out = p.deploy(owner, user, stranger)
        assert out.returncode == 0, out.stderr
        assert http.put("/owner/thing").json()["item"]["by"] == "owner-dev-f"
        assert http.put("/user/thing").json()["item"]["by"] == "user-dev-f"  # granted by the import
        denied = http.put("/stranger/thing")
        assert denied.status_code == 403 and denied.json() == {"error": "ResourceNotFoundException"}
        assert http.get("/owner/thing").json()["item"]["by"] == "user-dev-f"
