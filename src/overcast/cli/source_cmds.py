"""Commands for event sources: put records, watch mappings, inspect and redrive dead-letter queues."""

from __future__ import annotations

import json

import click


def register(main: click.Group) -> None:
    from overcast.cli.main import _connect_and, _with_platform

    @main.command(name="put-record")
    @click.argument("stream")
    @click.option("--data", required=True, help="The record's data (text; use --base64 for binary).")
    @click.option("--partition-key", "-k", required=True, help="Decides the shard (MD5 hash, as Kinesis).")
    @click.option("--explicit-hash-key", help="A 128-bit hash key (decimal) that picks the shard instead.")
    @click.option("--base64", "is_b64", is_flag=True, help="--data is base64 of the bytes to put.")
    @_with_platform
    def put_record(stream, data, partition_key, explicit_hash_key, is_b64, nats_url, directory, stage):
        """Put one record on STREAM; prints its shard and sequence number."""
        import base64

        from overcast.streams import store

        raw = base64.b64decode(data) if is_b64 else data.encode()
        shard, seq = _connect_and(nats_url, directory, lambda nc: store.put_record(
            nc, stream, raw, partition_key, explicit_hash_key))
        click.echo(json.dumps({"ShardId": shard, "SequenceNumber": seq}))

    @main.command()
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @_with_platform
    def mappings(as_json, nats_url, directory, stage):
        """Event-source mappings of the deployed stacks, with their lag (records not yet finished)."""
        from overcast.sources.status import mapping_status

        rows = _connect_and(nats_url, directory, lambda nc: mapping_status(nc, stage))
        if as_json:
            click.echo(json.dumps(rows, indent=2))
            return
        for row in rows:
            state = "enabled" if row["enabled"] else "disabled"
            extra = f"  error: {row['error']}" if "error" in row else ""
            click.echo(f"{row['function']:<32} {row['source']:<36} {state:<9} lag {row['lag']}"
                       f"  on failure: {row['onFailure'] or '-'}{extra}")

    @main.group()
    def dlq():
        """Dead-letter queues: list them, show what failed, redrive it."""

    @dlq.command(name="list")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @_with_platform
    def dlq_list_cmd(as_json, nats_url, directory, stage):
        """Queues that receive failures, what feeds them and how many entries they hold."""
        from overcast.sources.dlq import dlq_list

        rows = _connect_and(nats_url, directory, lambda nc: dlq_list(nc, stage))
        if as_json:
            click.echo(json.dumps(rows, indent=2))
            return
        for row in rows:
            click.echo(f"{row['queue']:<40} {row['messages'] if row['messages'] is not None else '?':>6} entries"
                       f"  <- {', '.join(row['feeds'])}")

    @dlq.command(name="show")
    @click.argument("queue")
    @click.option("--limit", type=int, default=100, show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @_with_platform
    def dlq_show_cmd(queue, limit, as_json, nats_url, directory, stage):
        """Each failed entry of QUEUE: payload, error, attempts, first and last failure (entries stay)."""
        from overcast.sources.dlq import dlq_show

        entries = _connect_and(nats_url, directory, lambda nc: dlq_show(nc, queue, limit))
        if as_json:
            click.echo(json.dumps([e.to_dict() for e in entries], indent=2))
            return
        for e in entries:
            error = e.error or {}
            click.echo(f"{e.message_id}  {e.kind}  function {e.function or '-'}  source {e.source or '-'}")
            click.echo(f"  attempts {e.attempts if e.attempts is not None else '?'}  first failure "
                       f"{e.first_failure or '?'}  last failure {e.last_failure or '?'}")
            if error:
                click.echo(f"  error {error.get('errorType')}: {error.get('errorMessage')}")
            for p in e.payloads:
                click.echo(f"  payload {json.dumps(p)}")

    @dlq.command(name="redrive")
    @click.argument("queue")
    @click.option("--to", "to", metavar="FUNCTION", help="Invoke this function (async) instead of the origin.")
    @click.option("--limit", type=int, help="At most this many entries.")
    @_with_platform
    def dlq_redrive_cmd(queue, to, limit, nats_url, directory, stage):
        """Send QUEUE's entries back where they came from (or --to FUNCTION), with their original payloads."""
        from overcast.sources.dlq import dlq_redrive

        done = _connect_and(nats_url, directory, lambda nc: dlq_redrive(nc, queue, to=to, stage=stage, limit=limit))
        for message_id, where in done:
            click.echo(f"{message_id} -> {where}")
        click.echo(f"redrove {len(done)} entries from {queue}")
