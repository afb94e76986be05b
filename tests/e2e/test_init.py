"""`twilio-iac init`, and the CI examples it copies (examples/ci)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from twilio_iac.cli import cli
from twilio_iac.resources import REGISTRY

CI = Path(__file__).resolve().parents[2] / "examples" / "ci"
WORKFLOW = CI / "twilio-iac.yml"
HOOKS = CI / "pre-commit-config.yaml"


def test_init_creates_a_repository_that_validates_and_plans(run, tmp_path):
    target = tmp_path / "repo"
    result = run("init", str(target))
    assert result.exit_code == 0, result.output
    created = sorted(
        str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()
    )
    schemas = sorted([*REGISTRY, "manifest"])
    assert created == [
        ".github/workflows/twilio-iac.yml",
        ".gitignore",
        ".pre-commit-config.yaml",
        "README.md",
        "manifests/twilio.yaml",
        *[f"schemas/{k}.schema.json" for k in schemas],
    ]
    assert f"In {target}:" in result.stdout
    assert "  created   manifests/twilio.yaml" in result.stdout
    assert f"cd {target}" in result.stdout
    assert "twilio-iac validate manifests" in result.stdout
    # The example's copy, less its "(copy to …)" note.
    copied = (target / ".github/workflows/twilio-iac.yml").read_text().splitlines()
    example = WORKFLOW.read_text().splitlines()
    assert copied[1:] == example[1:] and "copy to" not in copied[0]
    assert ".twilio-iac/" in (target / ".gitignore").read_text().splitlines()
    assert "twilio-iac plan manifests" in (target / "README.md").read_text()
    starter = (target / "manifests" / "twilio.yaml").read_text()
    # A relative path, so the line works on every clone and in CI.
    assert starter.startswith(
        "# yaml-language-server: $schema=../schemas/manifest.schema.json\n"
    )

    manifests = str(target / "manifests")
    validated = run("validate", manifests)
    assert validated.exit_code == 0, validated.output
    assert "Valid: 1 file, 1 application, 1 phone number." in validated.stdout
    planned = run("plan", manifests)
    assert planned.exit_code == 0, planned.output
    assert "Plan: 1 to create, 1 to update" in planned.stdout
    assert run("apply", manifests, "--auto-approve").exit_code == 0
    assert "No changes." in run("plan", manifests).stdout


def test_the_starter_names_every_kind_and_its_pool_example_validates(run, tmp_path):
    target = tmp_path / "repo"
    assert run("init", str(target)).exit_code == 0
    path = target / "manifests" / "twilio.yaml"
    starter = path.read_text()
    comment = " ".join(
        line.removeprefix("#").strip()
        for line in starter.splitlines()
        if line.startswith("#")
    )
    for kind in REGISTRY:
        assert kind in comment, kind
    assert "phone_numbers: by phone_number" in comment
    path.write_text(
        starter.replace("# messaging_services:", "messaging_services:").replace(
            "#   ", "  "
        )
    )
    validated = run("validate", str(path))
    assert validated.exit_code == 0, validated.output
    assert "1 Messaging Service" in validated.stdout


def test_init_defaults_to_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "manifests" / "twilio.yaml").is_file()
    assert "cd " not in result.stdout


def test_init_in_an_existing_repository_adds_what_is_missing(run, tmp_path):
    (tmp_path / "README.md").write_text("mine\n")
    (tmp_path / ".gitignore").write_text("node_modules/\n.twilio-iac/")
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "twilio.yaml").write_text("queues: []\n")
    result = run("init", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "  kept      README.md" in result.stdout
    assert "  kept      manifests/twilio.yaml" in result.stdout
    assert "  created   .pre-commit-config.yaml" in result.stdout
    assert "  updated   .gitignore (added plan.json, plan.md)" in result.stdout
    assert (tmp_path / "README.md").read_text() == "mine\n"
    assert (tmp_path / "manifests" / "twilio.yaml").read_text() == "queues: []\n"
    assert (tmp_path / ".github" / "workflows" / "twilio-iac.yml").is_file()
    ignored = (tmp_path / ".gitignore").read_text().splitlines()
    assert ignored[:2] == ["node_modules/", ".twilio-iac/"]
    assert ignored[-2:] == ["plan.json", "plan.md"]
    assert ignored.count(".twilio-iac/") == 1
    # A second run changes nothing and says so.
    again = run("init", str(tmp_path))
    assert again.exit_code == 0
    assert "created" not in again.stdout and "updated" not in again.stdout
    assert (tmp_path / ".gitignore").read_text().splitlines() == ignored


def test_init_force_overwrites(run, tmp_path):
    (tmp_path / "README.md").write_text("mine\n")
    result = run("init", "--force", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "  overwrote README.md" in result.stdout
    assert (tmp_path / "README.md").read_text() != "mine\n"


def test_init_refuses_a_directory_where_a_file_goes(run, tmp_path):
    (tmp_path / "README.md").mkdir()
    result = run("init", str(tmp_path))
    assert result.exit_code == 1
    assert f"{tmp_path / 'README.md'} is a directory" in result.output
    assert "Traceback" not in result.output


def _run_scripts(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["run"]] if isinstance(node.get("run"), str) else []
        return found + [s for v in node.values() for s in _run_scripts(v)]
    if isinstance(node, list):
        return [s for v in node for s in _run_scripts(v)]
    return []


def _invocations(script: str) -> list[list[str]]:
    """The argument lists of every `twilio-iac ...` command in a shell script."""
    joined = script.replace("\\\n", " ")
    calls = re.findall(r"(?m)^\s*twilio-iac ([^\n|>&;]*)", joined)
    return [shlex.split(call) for call in calls]


def _workflow_calls() -> list[list[str]]:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    return [call for s in _run_scripts(workflow["jobs"]) for call in _invocations(s)]


def _hook_calls() -> list[list[str]]:
    hooks = yaml.safe_load(HOOKS.read_text())
    entries = [h["entry"] for repo in hooks["repos"] for h in repo["hooks"]]
    return [shlex.split(entry.removeprefix("twilio-iac ")) for entry in entries]


def test_workflow_shape():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"pull_request", "push"}
    assert triggers["push"]["branches"] == ["main"]
    for secret in ("TWILIO_ACCOUNT_SID", "TWILIO_API_KEY", "TWILIO_API_SECRET"):
        assert workflow["env"][secret] == f"${{{{ secrets.{secret} }}}}"
    text = WORKFLOW.read_text()
    assert "<!-- twilio-iac-plan -->" in text
    assert "actions/upload-artifact" in text and "gh run download" in text


@pytest.mark.parametrize(
    "call", _workflow_calls() + _hook_calls(), ids=lambda c: " ".join(c)
)
def test_ci_examples_call_commands_and_options_that_exist(call: list[str]):
    command = cli.get_command(click.Context(cli), call[0])
    assert command is not None
    assert CliRunner().invoke(cli, [call[0], "--help"]).exit_code == 0
    known = {o for p in command.params + cli.params for o in p.opts}
    flags = {arg.split("=")[0] for arg in call[1:] if arg.startswith("--")}
    assert flags <= known, f"unknown options {flags - known} for {call[0]}"


def test_ci_examples_call_what_the_brief_needs():
    calls = [" ".join(call) for call in _workflow_calls() + _hook_calls()]
    assert calls == [
        "validate $MANIFESTS --output github",
        "plan $MANIFESTS --out plan.json --output markdown --detailed-exitcode",
        "apply plan.json --auto-approve $TWILIO_IAC_APPLY_FLAGS",
        "validate manifests",
    ]


def test_workflow_commands_run_end_to_end_on_the_sandbox(run, tmp_path, monkeypatch):
    """The workflow's own command lines: validate, plan (PR), then apply (merge)."""
    monkeypatch.chdir(tmp_path)
    assert run("init").exit_code == 0
    variables = {"$MANIFESTS": "manifests", "$TWILIO_IAC_APPLY_FLAGS": ""}
    expected = {"validate": 0, "plan": 2, "apply": 0}  # 2: --detailed-exitcode
    outputs = {}
    for call in _workflow_calls():
        args = [variables.get(arg, arg) for arg in call]
        result = run(*[arg for arg in args if arg])
        assert result.exit_code == expected[call[0]], result.output
        outputs[call[0]] = result.stdout
    assert outputs["plan"].startswith("### Plan: 1 to create, 1 to update")
    assert (tmp_path / "plan.json").is_file()
    assert "Apply complete" in outputs["apply"]
    again = run("plan", "manifests", "--output", "markdown", "--detailed-exitcode")
    assert again.exit_code == 0
    assert "No changes" in again.stdout


def test_validate_on_the_repository_skips_its_hidden_files(run, tmp_path):
    assert run("init", str(tmp_path)).exit_code == 0
    (tmp_path / "extra.yaml").write_text("queues: []\n")
    result = run("validate", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert ".pre-commit-config.yaml" not in result.output


def test_validate_on_a_repository_without_manifests_points_at_them(run, tmp_path):
    assert run("init", str(tmp_path)).exit_code == 0
    result = run("validate", str(tmp_path))
    assert result.exit_code == 1
    assert "hidden files, starting with '.', are not manifests" in result.output
    assert f"did you mean {tmp_path / 'manifests'}?" in result.output


def test_init_adds_no_starter_to_a_folder_of_manifests(run, tmp_path):
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "account.yaml").write_text("queues: []\n")
    result = run("init", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "manifests" / "twilio.yaml").exists()
    assert "kept      manifests/twilio.yaml" in result.stdout
    assert "starter's example objects are not added" in result.stdout
    first = (tmp_path / ".pre-commit-config.yaml").read_text().splitlines()[0]
    assert "copy to" not in first
