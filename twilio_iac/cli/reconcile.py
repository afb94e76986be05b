"""validate, plan and apply: the reconciler's verbs."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from twilio_iac import logs
from twilio_iac.api.client import TwilioClient
from twilio_iac.cli.context import (
    Options,
    colour,
    command,
    confirm,
    pass_options,
    paths_argument,
    sandbox_option,
)
from twilio_iac.cli.session import session
from twilio_iac.errors import PlanError
from twilio_iac.manifests import desired
from twilio_iac.reconcile import applier, planfile
from twilio_iac.reconcile.plan import Plan
from twilio_iac.reconcile.workflow import check_fresh, make_plan
from twilio_iac.render import text as render
from twilio_iac.resources import REGISTRY


@contextmanager
def open_session(options: Options, declared: str | None) -> Iterator[TwilioClient]:
    """--account-sid wins, then the manifests' (or plan's) account_sid."""
    source = "--account-sid" if options.account_sid else "the manifests' account_sid"
    target = options.account_sid or declared
    with session(options.sandbox, account_sid=target, target_source=source) as c:
        yield c


@click.command()
@paths_argument
def validate(paths: tuple[Path, ...]) -> None:
    """Check manifests offline: schema, references, duplicates. Sends nothing.

    Each PATH is a file or a directory of *.yaml/*.yml files; several PATHs
    are layers (a later one changes an earlier one only through `overrides:`).
    """
    result = desired.load(paths)
    counts = Counter(key.kind for key in result.resources)
    detail = ", ".join(
        rt.counted(counts[kind]) for kind, rt in REGISTRY.items() if counts[kind]
    )
    files = len(result.files)
    click.echo(f"Valid: {files} file{'s' if files != 1 else ''}, {detail or 'empty'}.")
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)


@click.command()
@paths_argument
@click.option(
    "--output",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for people, json (schemas/plan.schema.json) for machines, "
    "markdown for a pull-request comment.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also save the complete plan to this file, for `apply FILE`.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when there are, 1 on error.",
)
@sandbox_option
@pass_options
@click.pass_context
def plan(
    ctx: click.Context,
    options: Options,
    paths: tuple[Path, ...],
    output: str,
    out: Path | None,
    detailed_exitcode: bool,
) -> None:
    """Show what apply would change, field by field. Changes nothing."""
    wanted = desired.load(paths)
    with open_session(options, wanted.account_sid) as client:
        result = make_plan(wanted, client)
    if out:
        _check_out(out, wanted.files)
        saved = planfile.dumps(result, list(wanted.files))
        out.write_text(saved, encoding="utf-8")
        if logs.REDACTED in saved:
            click.echo(
                f"Warning: live values in this plan hold a credential in use; the "
                f"file has them {logs.REDACTED}, so `apply {out}` will refuse it as "
                "stale. Apply the manifests themselves to replace those values.",
                err=True,
            )
        click.echo(
            f"Saved the plan to {out}; apply exactly it with: "
            f"{command(options)} apply {out}",
            err=True,
        )
    click.echo(_render(result, output), nl=False)
    if detailed_exitcode and not result.empty:
        ctx.exit(2)


def _check_out(out: Path, manifests: tuple[str, ...]) -> None:
    """--out may replace an earlier plan file, never a manifest or anything else."""
    if not out.exists():
        return
    if out.resolve() in {Path(m).resolve() for m in manifests}:
        raise PlanError(f"--out {out} is one of the manifests being planned.")
    if not _looks_like_plan(out):
        raise PlanError(
            f"--out {out} exists and is not a plan file; refusing to overwrite it. "
            "Choose another path, or delete the file first."
        )


def _render(result: Plan, output: str) -> str:
    if output == "json":
        return render.as_json(result)
    if output == "markdown":
        from twilio_iac.render import markdown

        return markdown.render(result)
    return render.text(result, colour=colour())


@click.command()
@paths_argument
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@click.option(
    "--allow-release",
    is_flag=True,
    help="Permit releasing phone numbers that the plan deletes (prune).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Apply even when deletes and replaces pass 30% of a kind's live objects.",
)
@sandbox_option
@pass_options
def apply(
    options: Options,
    paths: tuple[Path, ...],
    auto_approve: bool,
    allow_release: bool,
    force: bool,
) -> None:
    """Make live state match: compute the plan (or read a saved one), show it,
    ask, then make the calls in dependency order.

    PATH is manifests (as for plan), or one plan file written by
    `plan --out FILE`: that plan is applied exactly, after checking that
    nothing it touches changed since it was written.
    """
    saved = _saved_plan(paths)
    declared = saved.account_sid if saved else None
    wanted = None if saved else desired.load(paths)
    with open_session(options, declared or (wanted and wanted.account_sid)) as client:
        result = check_fresh(saved, client) if saved else make_plan(wanted, client)
        click.echo(render.text(result, colour=colour()), nl=False)
        if result.empty:
            return
        result.raise_if_unsafe(allow_release, force)
        if not auto_approve:
            confirm(
                "Apply these changes to Twilio?",
                "Refusing to apply without confirmation: standard input is not a "
                "terminal, so nobody can answer. Review the plan above and rerun "
                "with --auto-approve to apply it unattended.",
            )
        click.echo("")
        count = applier.apply(result, client, progress=click.echo)
    click.echo(f"\nApply complete: {count} call(s) made. " + render.summary(result))


def _saved_plan(paths: tuple[Path, ...]) -> Plan | None:
    files = [p for p in paths if p.is_file() and _looks_like_plan(p)]
    if not files:
        return None
    if len(paths) > 1:
        raise PlanError(
            f"{files[0]} is a plan file; apply it on its own, without manifests."
        )
    return planfile.load(files[0])


def _looks_like_plan(path: Path) -> bool:
    # A .json PATH may also be a manifest (JSON is YAML): only a document
    # carrying the `apply` section of `plan --out` is a saved plan.
    if path.suffix != ".json":
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if isinstance(data, dict) and "format_version" in data and "apply" not in data:
        raise PlanError(
            f"{path} is the output of `plan --output json`, which is for reading "
            "and has no execution details. To apply a reviewed plan, save it "
            f"with `twilio-iac plan PATH... --out {path.name}` and apply that "
            "file. Nothing was sent."
        )
    return isinstance(data, dict) and "apply" in data
