"""``overcast rules``: the deployed topic rules and how they are doing (counters summed over dispatchers)."""

from __future__ import annotations

import json

import click


def register(main: click.Group) -> None:
    from overcast.cli.main import _connect_and, _with_platform

    @main.command()
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @_with_platform
    def rules(as_json, nats_url, directory, stage):
        """Topic rules of the deployed stacks: topic filter, actions, and since each dispatcher started, messages
        received, matched, skipped by WHERE, payload errors, failed actions, error actions and the last failure."""
        from overcast.realtime.rulestats import format_row
        from overcast.sources.status import rule_status

        rows, unanswered = _connect_and(nats_url, directory, lambda nc: rule_status(nc, stage))
        if unanswered:
            click.echo(f"warning: {unanswered} dispatcher(s) did not answer in time; their counts are missing",
                       err=True)
        if as_json:
            click.echo(json.dumps(rows, indent=2))
            return
        if not rows:
            click.echo(f"no topic rules deployed in stage {stage}", err=True)
        for row in rows:
            click.echo(format_row(row))
