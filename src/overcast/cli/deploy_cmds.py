"""Deploy-tool commands: deploy, plan, remove, stacks, outputs, history, rollback, node, token."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from overcast.errors import OvercastError, SpecError


def _endpoint_options(fn):
    fn = click.option("--token", envvar="OVERCAST_TOKEN", help="Control API token (default: discovered).")(fn)
    fn = click.option("--endpoint", envvar="OVERCAST_ENDPOINT", metavar="URL",
                      help="Control API URL (default: the running dev platform's).")(fn)
    return fn


def _control(endpoint, token):
    from overcast.platform.remote import Control, find_endpoint
    return Control(find_endpoint(endpoint, token))


def _run(work):
    """Run ``work()``; print overcast errors (with refusals) instead of tracebacks."""
    from overcast.platform.remote import ControlError
    try:
        return work()
    except SpecError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except ControlError as exc:
        click.echo(f"error ({exc.status}): {exc.message}", err=True)
        sys.exit(1)
    except OvercastError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)


def register(main: click.Group) -> None:
    @main.command()
    @click.argument("stack_dirs", nargs=-1, type=click.Path(exists=True, path_type=Path))
    @click.option("--stage", default="dev", show_default=True)
    @click.option("--yes", "-y", is_flag=True, help="Apply without asking.")
    @click.option("--force", is_flag=True, help="Allow changing imported outputs; redeploys the importers.")
    @click.option("--allow-replace", is_flag=True, help="Allow replacing stateful resources (their data is lost).")
    @_endpoint_options
    def deploy(stack_dirs, stage, yes, force, allow_replace, endpoint, token):
        """Deploy STACK_DIRS (default: .) in dependency order: plan, confirm, apply."""
        from overcast.platform.deploying import deploy_all, load_all

        color = sys.stdout.isatty()

        def confirm(plan: dict) -> bool:
            if yes:
                return True
            if not sys.stdin.isatty():
                raise OvercastError("not applied: confirm with --yes when not running in a terminal")
            return click.confirm(f"apply this plan to {plan['stage']}.{plan['stack']}?", default=False)

        def work():
            stacks = load_all(list(stack_dirs) or [Path(".")], stage)
            control = _control(endpoint, token)
            try:
                results = deploy_all(control, stacks, force=force, allow_replace=allow_replace, confirm=confirm,
                                     echo=click.echo, color=color)
            finally:
                control.close()
            if any(r.get("refused") for r in results):
                sys.exit(1)

        _run(work)

    @main.command()
    @click.argument("stack_dirs", nargs=-1, type=click.Path(exists=True, path_type=Path))
    @click.option("--stage", default="dev", show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="Print the plans as JSON.")
    @click.option("--force", is_flag=True)
    @click.option("--allow-replace", is_flag=True)
    @_endpoint_options
    def plan(stack_dirs, stage, as_json, force, allow_replace, endpoint, token):
        """Show what deploying STACK_DIRS would change, without changing anything."""
        from overcast.platform.deploying import load_all, plan_one

        def work():
            stacks = load_all(list(stack_dirs) or [Path(".")], stage)
            control = _control(endpoint, token)
            try:
                answers = [plan_one(control, s, force=force, allow_replace=allow_replace)[1] for s in stacks]
            finally:
                control.close()
            if as_json:
                click.echo(json.dumps([a["plan"] for a in answers], indent=2, sort_keys=True))
            else:
                for a in answers:
                    click.echo(a["text"] if sys.stdout.isatty() else a["plain"])

        _run(work)

    @main.command()
    @click.argument("stack")
    @click.option("--stage", default="dev", show_default=True)
    @click.option("--delete-data", is_flag=True, help="Also delete the data of stateful resources.")
    @click.option("--yes", "-y", is_flag=True)
    @_endpoint_options
    def remove(stack, stage, delete_data, yes, endpoint, token):
        """Remove STACK from STAGE (stateful data is kept unless --delete-data)."""
        if delete_data and not yes and not click.confirm(f"delete the DATA of {stage}.{stack}? this cannot be undone"):
            sys.exit(1)

        def work():
            control = _control(endpoint, token)
            try:
                control.call("DELETE", f"/v1/stacks/{stage}/{stack}",
                             params={"deleteData": "1"} if delete_data else None)
            finally:
                control.close()
            click.echo(f"removed {stage}.{stack}" + ("" if delete_data else " (stateful data retained)"))

        _run(work)

    @main.command()
    @click.option("--stage", default=None, help="Only this stage.")
    @click.option("--json", "as_json", is_flag=True)
    @_endpoint_options
    def stacks(stage, as_json, endpoint, token):
        """List deployed stacks."""
        def work():
            control = _control(endpoint, token)
            try:
                listing = control.call("GET", "/v1/stacks", params={"stage": stage} if stage else None)["stacks"]
            finally:
                control.close()
            if as_json:
                click.echo(json.dumps(listing, indent=2))
                return
            for s in listing:
                click.echo(f"{s['stage']}.{s['stack']}  revision {s['revision']}  {s['deployedAt']}  "
                           f"({s['source']}; functions: {', '.join(s['functions'])})")

        _run(work)

    @main.command()
    @click.argument("stack")
    @click.option("--stage", default="dev", show_default=True)
    @_endpoint_options
    def outputs(stack, stage, endpoint, token):
        """Print STACK's outputs as JSON."""
        def work():
            control = _control(endpoint, token)
            try:
                click.echo(json.dumps(control.call("GET", f"/v1/stacks/{stage}/{stack}/outputs")["outputs"],
                                      indent=2, sort_keys=True))
            finally:
                control.close()

        _run(work)

    @main.command()
    @click.argument("stack")
    @click.option("--stage", default="dev", show_default=True)
    @_endpoint_options
    def history(stack, stage, endpoint, token):
        """STACK's revisions, oldest first."""
        def work():
            control = _control(endpoint, token)
            try:
                entries = control.call("GET", f"/v1/stacks/{stage}/{stack}/history")["history"]
            finally:
                control.close()
            for e in entries:
                if e.get("removed"):
                    click.echo("removed")
                    continue
                code = e["code"].get("sha256", "")[:12] or e["code"].get("path", "")
                click.echo(f"revision {e['revision']}  {e['deployedAt']}  {e['source']:<8} code {code}  "
                           f"versions {json.dumps(e.get('versions') or {}, sort_keys=True)}")

        _run(work)

    @main.command()
    @click.argument("target", metavar="STACK.FUNCTION")
    @click.argument("alias")
    @click.argument("version", type=int)
    @click.option("--stage", default="dev", show_default=True)
    @_endpoint_options
    def alias(target, alias, version, stage, endpoint, token):
        """Point ALIAS of STACK.FUNCTION at a published VERSION (`live` is what routes invoke)."""
        stack, dot, function = target.partition(".")
        if not dot or not stack or not function:
            raise click.BadParameter("expected STACK.FUNCTION", param_hint="STACK.FUNCTION")

        def work():
            control = _control(endpoint, token)
            try:
                result = control.call("POST", f"/v1/stacks/{stage}/{stack}/aliases",
                                      json={"function": function, "alias": alias, "version": version})
            finally:
                control.close()
            click.echo(f"{stage}.{stack}.{function}: {alias} -> {version} "
                       f"(aliases {json.dumps(result['aliases'], sort_keys=True)})")

        _run(work)

    @main.command()
    @click.argument("stack")
    @click.option("--stage", default="dev", show_default=True)
    @click.option("--to", "to", type=int, help="Revision to go back to (default: the one before).")
    @_endpoint_options
    def rollback(stack, stage, to, endpoint, token):
        """Deploy an earlier revision of STACK again (as a new revision)."""
        def work():
            control = _control(endpoint, token)
            try:
                result = control.call("POST", f"/v1/stacks/{stage}/{stack}/rollback", json={"to": to})
            finally:
                control.close()
            click.echo(f"rolled {stage}.{stack} back to revision {result['rolledBackTo']} "
                       f"(now revision {result['revision']})")

        _run(work)
