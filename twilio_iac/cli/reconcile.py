"""validate, plan and apply: the reconciler's verbs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from .. import applier, desired, render
from ..resources import REGISTRY
from ..workflow import make_plan, session
from .context import Options, colour, confirm, pass_options, paths_argument


@click.command()
@paths_argument
def validate(paths: tuple[Path, ...]) -> None:
    """Check manifests offline: schema, references, duplicates. Sends nothing."""
    result = desired.load(paths)
    counts = Counter(key.kind for key in result.resources)
    detail = ", ".join(f"{counts[k]} {k}" for k in REGISTRY if counts[k]) or "empty"
    files = len(result.files)
    click.echo(f"Valid: {files} file{'s' if files != 1 else ''}, {detail}.")
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)


@click.command()
@paths_argument
@click.option(
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json (schemas/plan.schema.json) for machines.",
)
@pass_options
def plan(options: Options, paths: tuple[Path, ...], output: str) -> None:
    """Show what apply would change, field by field. Changes nothing."""
    wanted = desired.load(paths)
    with session(options.sandbox) as client:
        result = make_plan(wanted, client)
    if output == "json":
        click.echo(render.as_json(result), nl=False)
    else:
        click.echo(render.text(result, colour=colour()), nl=False)


@click.command()
@paths_argument
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@click.option(
    "--allow-release",
    is_flag=True,
    help="Permit releasing phone numbers that the plan deletes (prune).",
)
@pass_options
def apply(
    options: Options, paths: tuple[Path, ...], auto_approve: bool, allow_release: bool
) -> None:
    """Compute the plan, show it, ask, then make the calls in dependency order."""
    wanted = desired.load(paths)
    with session(options.sandbox) as client:
        result = make_plan(wanted, client)
        click.echo(render.text(result, colour=colour()), nl=False)
        if result.empty:
            return
        result.raise_if_unsafe(allow_release)
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
