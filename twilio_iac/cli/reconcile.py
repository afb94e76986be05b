"""validate, plan and apply: the reconciler's verbs."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import click

from twilio_iac import logs
from twilio_iac.api.retry import DEFAULT_MAX_RETRY_WAIT
from twilio_iac.cli.context import (
    Options,
    colour,
    command,
    confirm,
    pass_options,
    sandbox_option,
    selected_kinds,
    stack,
)
from twilio_iac.errors import AlreadyApplied, ManifestError, PlanError
from twilio_iac.manifests import desired
from twilio_iac.reconcile import applier, planfile, run
from twilio_iac.reconcile.plan import Plan
from twilio_iac.render import text as render
from twilio_iac.render import validation
from twilio_iac.resources import REGISTRY

if TYPE_CHECKING:
    from twilio_iac.cli import fleet as cli_fleet


def _kinds(
    _ctx: click.Context, _param: click.Parameter, given: tuple[str, ...]
) -> tuple[str, ...] | None:
    """--kinds as export spells it; None (the whole account) when not given."""
    chosen = selected_kinds(given)
    return tuple(k for k in REGISTRY if k in chosen) if chosen else None


kinds_option = click.option(
    "--kinds",
    multiple=True,
    callback=_kinds,
    metavar="KIND[,KIND...]",
    help="Plan only these kinds (repeat or comma-separate); references to other "
    "kinds still resolve against live state, but nothing of them changes. "
    "Default: all.",
)

dedupe_option = click.option(
    "--dedupe",
    is_flag=True,
    help="Plan deleting the newer copies of an object that two applies at once "
    "created twice, when nothing uses them.",
)

read_ahead_option = click.option(
    "--read-ahead",
    is_flag=True,
    help="Start reading live state while the manifests are still being checked "
    "(faster on big accounts; reads may then go out for manifests that turn out "
    "invalid, writes never do).",
)


fleet_options = stack(
    click.option(
        "--fleet",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        metavar="FILE",
        help="Manage every account a fleet file names (schemas/fleet.schema.json) "
        "instead of PATHs.",
    ),
    click.option(
        "--only",
        metavar="NAME[,GLOB...]",
        help="With --fleet: only the accounts these friendly_names or globs match.",
    ),
    click.option(
        "--shard",
        metavar="K/N",
        help="With --fleet: only the K-th of N stable shares of the accounts (by "
        "a hash of each name), for a CI matrix of N jobs.",
    ),
)

# PATHs, or none with --fleet.
optional_paths = click.argument(
    "paths", nargs=-1, type=click.Path(exists=True, path_type=Path)
)


def _selection(
    fleet_path: Path | None, only: str | None, shard: str | None
) -> cli_fleet.Selection | None:
    if fleet_path is None:
        if only or shard:
            raise click.UsageError("--only and --shard select accounts of --fleet.")
        return None
    return _fleet_verbs().Selection(fleet_path, only, shard)


def _fleet_verbs() -> ModuleType:
    # Loaded only when --fleet is used, so the other commands start no slower.
    from twilio_iac.cli import fleet

    return fleet


def _need_paths(paths: tuple[Path, ...]) -> None:
    if not paths:
        raise click.UsageError("Missing argument 'PATHS...' (or --fleet FILE).")


def _plan_options(
    options: Options,
    kinds: tuple[str, ...] | None,
    dedupe: bool,
    read_ahead: bool,
) -> run.PlanOptions:
    return run.PlanOptions(
        env=os.environ,
        account_sid=options.account_sid,
        kinds=kinds,
        dedupe=dedupe,
        read_ahead=read_ahead,
    )


def _connect(options: Options) -> run.Connect:
    from twilio_iac.cli.session import connect  # httpx: not for validate

    return lambda account_sid: connect(options.sandbox, account_sid)


@click.command()
@optional_paths
@fleet_options
@click.option(
    "--require-vars",
    is_flag=True,
    help="Fail on a ${VAR} that is not set and has no default (plan and apply "
    "always do); by default validate checks everything else without its value.",
)
@click.option(
    "--output",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="json: a machine-readable report on stdout; github: GitHub Actions "
    "::error annotations, one per problem, on stdout.",
)
def validate(
    paths: tuple[Path, ...],
    fleet: Path | None,
    only: str | None,
    shard: str | None,
    require_vars: bool,
    output: str,
) -> None:
    """Check manifests offline: schema, references, duplicates. Sends nothing.

    Each PATH is a file or a directory of *.yaml/*.yml files; several PATHs
    are layers (a later one changes an earlier one only through `overrides:`).
    A `${VAR}` without a value stands in as written (its own checks are left
    out), so a pre-commit hook needs no production variables; --require-vars
    refuses it, as plan and apply do.
    """
    selection = _selection(fleet, only, shard)
    if selection is not None:
        if paths or output != "text" or require_vars:
            raise click.UsageError(
                "validate --fleet takes no PATHs, --output or --require-vars."
            )
        _fleet_verbs().validate(selection)
        return
    _need_paths(paths)
    try:
        result = desired.load(paths, unset_ok=not require_vars)
    except ManifestError as exc:
        if output == "text":
            raise
        click.echo(validation.report(exc, output))
        raise SystemExit(1) from None
    if output != "text":
        click.echo(validation.report(result, output))
        return
    counts = Counter(key.kind for key in result.resources)
    detail = ", ".join(
        rt.counted(counts[kind]) for kind, rt in REGISTRY.items() if counts[kind]
    )
    files = len(result.files)
    click.echo(f"Valid: {files} file{'s' if files != 1 else ''}, {detail or 'empty'}.")
    if result.unset:
        click.echo(
            f"Not set, checked without their values: {', '.join(result.unset)} "
            "(plan and apply need them; --require-vars to check them here).",
            err=True,
        )
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)


@click.command()
@optional_paths
@fleet_options
@click.option(
    "--parallelism",
    type=click.IntRange(min=1),
    default=applier.DEFAULT_PARALLELISM,
    show_default=True,
    help="With --fleet: most requests in flight at once, over all accounts.",
)
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
@dedupe_option
@read_ahead_option
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when there are, 1 on error.",
)
@kinds_option
@sandbox_option
@pass_options
@click.pass_context
def plan(
    ctx: click.Context,
    options: Options,
    paths: tuple[Path, ...],
    fleet: Path | None,
    only: str | None,
    shard: str | None,
    parallelism: int,
    output: str,
    out: Path | None,
    dedupe: bool,
    read_ahead: bool,
    detailed_exitcode: bool,
    kinds: tuple[str, ...] | None,
) -> None:
    """Show what apply would change, field by field. Changes nothing.

    With --fleet FILE, every account the fleet file names, several at once:
    a section per account, then a summary table; exit 1 when any account
    failed (the others are still planned).
    """
    selection = _selection(fleet, only, shard)
    if selection is not None:
        _fleet_verbs().check_flags(options, paths, **{"--read-ahead": read_ahead})
        made = _plan_options(options, kinds, dedupe, False)
        _fleet_verbs().plan(
            ctx, options, selection, made, parallelism, output, out, detailed_exitcode
        )
        return
    _need_paths(paths)
    planned = run.plan(
        paths, _connect(options), _plan_options(options, kinds, dedupe, read_ahead)
    )
    result = planned.plan
    if out:
        _check_out(out, planned.files)
        saved = planfile.dumps(result, list(planned.files))
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
    if not planfile.written_by_plan(out):
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


class _Duration(click.ParamType):
    """Seconds, or a number with s, m or h: 90, 90s, 5m, 1h."""

    name = "duration"
    _UNITS = {"s": 1, "m": 60, "h": 3600}

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        text = str(value).strip().lower()
        unit = self._UNITS.get(text[-1:], None)
        number = text[:-1] if unit else text
        try:
            seconds = float(number) * (unit or 1)
        except ValueError:
            self.fail(f"{value!r} is not a duration like 90s, 5m or 300", param, ctx)
        if seconds < 0:
            self.fail("a duration cannot be negative", param, ctx)
        return seconds


@click.command()
@optional_paths
@fleet_options
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@click.option(
    "--allow-close",
    is_flag=True,
    help="With --fleet: permit closing the accounts whose `status: closed` the "
    "plan applies (Twilio never reopens a closed account).",
)
@click.option(
    "--allow-release",
    is_flag=True,
    help="Permit releasing phone numbers that the plan deletes (prune).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Apply even when deletes and replaces pass 30% of a kind's live "
    "objects (checked only for kinds with at least 10).",
)
@click.option(
    "--parallelism",
    type=click.IntRange(min=1),
    default=applier.DEFAULT_PARALLELISM,
    show_default=True,
    help="Most writes in flight at once (lowered while Twilio answers 429); "
    "1 applies one change at a time, in plan order.",
)
@click.option(
    "--fail-fast",
    is_flag=True,
    help="Start no new change after the first failure (those in flight finish).",
)
@dedupe_option
@click.option(
    "--max-retry-wait",
    type=_Duration(),
    default=f"{DEFAULT_MAX_RETRY_WAIT / 60:g}m",
    show_default=True,
    metavar="DURATION",
    help="How long to honour Twilio's Retry-After (e.g. 90s, 5m) before "
    "giving up on a request.",
)
@read_ahead_option
@kinds_option
@sandbox_option
@pass_options
def apply(
    options: Options,
    paths: tuple[Path, ...],
    fleet: Path | None,
    only: str | None,
    shard: str | None,
    auto_approve: bool,
    allow_close: bool,
    allow_release: bool,
    force: bool,
    parallelism: int,
    fail_fast: bool,
    dedupe: bool,
    max_retry_wait: float,
    read_ahead: bool,
    kinds: tuple[str, ...] | None,
) -> None:
    """Make live state match: compute the plan (or read a saved one), show it,
    ask, then make the calls, up to --parallelism at once, each after the
    changes it depends on.

    PATH is manifests (as for plan), or one plan file written by
    `plan --out FILE`: that plan is applied exactly, after checking that
    nothing it touches changed since it was written.
    """
    choices = run.ApplyOptions(
        allow_release=allow_release,
        force=force,
        parallelism=parallelism,
        fail_fast=fail_fast,
        max_retry_wait=max_retry_wait,
    )
    made = _plan_options(options, kinds, dedupe, read_ahead)
    selection = _selection(fleet, only, shard)
    saved_fleet = _saved_fleet(paths)
    if selection is not None or saved_fleet is not None:
        if selection is not None:
            _fleet_verbs().check_flags(options, paths, **{"--read-ahead": read_ahead})
        else:
            _fleet_verbs().refuse_saved_flags(
                paths[0], **{"--kinds": kinds, "--dedupe": dedupe}
            )
        _fleet_verbs().apply(
            options, selection, saved_fleet, made, choices, allow_close, auto_approve
        )
        return
    _need_paths(paths)
    try:
        _apply_reviewed(options, paths, made, choices, auto_approve)
    except AlreadyApplied as done:
        click.echo(str(done))


def _apply_reviewed(
    options: Options,
    paths: tuple[Path, ...],
    made: run.PlanOptions,
    choices: run.ApplyOptions,
    auto_approve: bool,
) -> None:
    from twilio_iac.cli import apply_run  # apply's alone: not loaded for plan

    with run.review(paths, _connect(options), made) as pending:
        click.echo(render.text(pending.plan, colour=colour()), nl=False)
        if pending.plan.empty:
            return
        _approve(pending.plan, choices, auto_approve, options.sandbox)
        click.echo("")
        report = apply_run.run(pending, choices)
    apply_run.finish(report)


def _saved_fleet(paths: tuple[Path, ...]) -> Path | None:
    # Fleets' modules (and the HTTP client) load only when a path may be one.
    if not any(p.suffix == ".json" for p in paths):
        return None
    from twilio_iac.reconcile import fleet_saved

    found = [p for p in paths if fleet_saved.is_fleet_plan(p)]
    if found and len(paths) > 1:
        raise PlanError(f"{found[0]} is a fleet plan; apply it on its own.")
    return found[0] if found else None


def _approve(
    result: Plan, choices: run.ApplyOptions, auto_approve: bool, sandbox: bool
) -> None:
    # Every safety check happens here, before anyone is asked.
    result.raise_if_unsafe(choices.allow_release, choices.force)
    if not auto_approve:
        where = "the sandbox" if sandbox else "Twilio"
        confirm(
            f"Apply these changes to {where}?",
            "Refusing to apply without confirmation: standard input is not a "
            "terminal, so nobody can answer. Review the plan above and rerun "
            "with --auto-approve to apply it unattended.",
        )
