"""Fixtures of the DynamoDB endpoint tests: a real platform per table backend, boto3 clients."""

from __future__ import annotations

import uuid

import pytest
from botocore.config import Config

from overcast.testing import running_platform
from tests.conftest import FIXTURES, copy_stack

PG = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def dynamo(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"dynamo-{request.param}")
    stack = copy_stack(FIXTURES / "boto", root / "boto")
    args, schema = (), f"t_{uuid.uuid4().hex[:10]}"
    if request.param == "postgres":
        args = ("--tables", f"{PG}?schema={schema}")
    request.addfinalizer(lambda: _drop_schema(schema) if request.param == "postgres" else None)
    with running_platform(stack, *args) as p:
        session = p.aws_session()
        cfg = Config(retries={"max_attempts": 1})
        yield session.client("dynamodb", endpoint_url=p.url, config=cfg), \
            session.resource("dynamodb", endpoint_url=p.url, config=cfg), p


def _drop_schema(schema: str) -> None:
    import asyncio

    import asyncpg

    async def drop():
        conn = await asyncpg.connect(PG)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()
    asyncio.run(drop())


def make_table(client, name=None, *, range_key=True, indexes=True):
    name = name or f"t-{uuid.uuid4().hex[:8]}"
    defs = [{"AttributeName": "pk", "AttributeType": "S"}]
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if range_key:
        defs.append({"AttributeName": "sk", "AttributeType": "N"})
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
    extra = {}
    if indexes and range_key:
        defs.append({"AttributeName": "colour", "AttributeType": "S"})
        extra["GlobalSecondaryIndexes"] = [{"IndexName": "by-colour", "Projection": {"ProjectionType": "ALL"},
                                            "KeySchema": [{"AttributeName": "colour", "KeyType": "HASH"},
                                                          {"AttributeName": "sk", "KeyType": "RANGE"}]}]
    client.create_table(TableName=name, AttributeDefinitions=defs, KeySchema=keys, BillingMode="PAY_PER_REQUEST",
                        **extra)
    return name
