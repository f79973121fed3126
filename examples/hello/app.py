"""A Lambda handler, unchanged from what would run on AWS behind an HTTP API."""

import os

GREETING = os.environ.get("GREETING", "hello")


def handler(event, context):
    name = (event.get("pathParameters") or {}).get("name", "world")
    return {"message": f"{GREETING} {name}"}
