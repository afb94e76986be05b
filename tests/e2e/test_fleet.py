"""End to end: validate, plan and apply --fleet against the sandbox, with 2010
kinds (queues, applications), which the parent's credentials reach in a
subaccount without the subaccount's own token."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_CREDENTIALS, Emulator
from twilio_iac.manifests.schema import schema_dir

ACCOUNTS = "/2010-04-01/Accounts.json"


def _schema(name: str) -> dict:
    return json.loads((schema_dir() / name).read_text(encoding="utf-8"))


def _validator() -> Draft202012Validator:
    registry = Registry().with_resources(
        (name, Resource.from_contents(_schema(name)))
        for name in ("plan.schema.json", "fleet-plan.schema.json")
    )
    return Draft202012Validator(_schema("fleet-plan.schema.json"), registry=registry)


@pytest.fixture
def tree(tmp_path: Path) -> Callable[[str], Path]:
    """Layers base/ and customers/<name>/, and the fleet file ``body``."""
    files = {
        "base/queues.yaml": "queues:\n  - friendly_name: support\n    max_size: 10\n",
        "customers/acme/apps.yaml": (
            "applications:\n  - friendly_name: acme-ivr\n"
            "    voice_url: https://example.com/acme\n"
        ),
        "customers/globex/queues.yaml": "queues:\n  - friendly_name: globex-only\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    def make(body: str) -> Path:
        path = tmp_path / "fleet.yaml"
        path.write_text(textwrap.dedent(body).lstrip())
        return path

    return make


FLEET = """
accounts:
  - friendly_name: acme
    paths: [base, customers/acme]
  - friendly_name: globex
    paths: [base, customers/globex]
"""


def _client(emulator: Emulator) -> TwilioClient:
    return TwilioClient(
        Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS), app=emulator
    )


def _accounts(sandbox) -> dict[str, dict]:
    with _client(sandbox()) as client:
        found = client.list("core", ACCOUNTS, "accounts")
    return {a["friendly_name"]: a for a in found}


def _names(sandbox, sid: str, leaf: str, key: str) -> list[str]:
    with _client(sandbox()) as client:
        path = f"/2010-04-01/Accounts/{sid}/{leaf}"
        return sorted(r["friendly_name"] for r in client.list("core", path, key))


def _make_subaccount(sandbox, name: str) -> str:
    emulator = sandbox()
    with _client(emulator) as client:
        sid = client.create("core", ACCOUNTS, {"FriendlyName": name})["sid"]
    emulator.save()
    return sid


def test_apply_creates_the_subaccounts_and_their_resources_then_converges(
    run, tree, sandbox
) -> None:
    fleet = tree(FLEET)
    planned = run("plan", "--fleet", str(fleet), "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "== acme (new subaccount, created by apply) ==" in planned.stdout
    assert "+ account acme" in planned.stdout
    applied = run("apply", "--fleet", str(fleet), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    accounts = _accounts(sandbox)
    acme, globex = accounts["acme"]["sid"], accounts["globex"]["sid"]
    assert _names(sandbox, acme, "Queues.json", "queues") == ["support"]
    assert _names(sandbox, acme, "Applications.json", "applications") == ["acme-ivr"]
    assert _names(sandbox, globex, "Queues.json", "queues") == [
        "globex-only",
        "support",
    ]
    parent = sandbox().account_sid
    assert _names(sandbox, parent, "Queues.json", "queues") == []
    again = run("plan", "--fleet", str(fleet), "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert f"== acme ({acme}) ==" in again.stdout


def test_the_summary_table_and_json_follow_the_schema(run, tree, sandbox) -> None:
    _make_subaccount(sandbox, "globex")
    result = run("plan", "--fleet", str(tree(FLEET)), "--output", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    _validator().validate(data)
    by_name = {a["friendly_name"]: a for a in data["accounts"]}
    assert by_name["acme"]["sid"] is None
    assert by_name["acme"]["account"]["action"] == "create"
    assert by_name["acme"]["summary"]["create"] == 3  # the account and two objects
    assert by_name["globex"]["account"] is None
    assert data["summary"]["create"] == 5 and data["summary"]["failed"] == []
    text = run("plan", "--fleet", str(tree(FLEET))).stdout
    assert "account  create  update  replace  delete  error" in text
    assert "Fleet: 2 accounts, 2 with changes." in text


def test_a_live_failure_stops_its_account_only(run, tree, sandbox) -> None:
    globex = _make_subaccount(sandbox, "globex")
    emulator = sandbox()
    emulator.add_fault(
        "GET", rf"/Accounts/{globex}/Queues\.json", 401, 20003, "Authenticate"
    )
    emulator.save()
    fleet = str(tree(FLEET))
    result = run("apply", "--fleet", fleet, "--auto-approve")
    assert result.exit_code == 1
    assert "Twilio error 20003" in result.stdout
    assert re.search(r"^globex +0 +0 +0 +0 +20003$", result.stdout, re.M)
    assert "Failed: globex" in result.stderr
    acme = _accounts(sandbox)["acme"]["sid"]
    assert _names(sandbox, acme, "Queues.json", "queues") == ["support"]
    assert _names(sandbox, globex, "Queues.json", "queues") == []
    # A rerun converges.
    assert run("apply", "--fleet", fleet, "--auto-approve").exit_code == 0
    assert run("plan", "--fleet", fleet, "--detailed-exitcode").exit_code == 0


def test_a_manifest_error_in_one_account_refuses_the_fleet_offline(
    run, tree, requests
) -> None:
    fleet = tree(FLEET)
    (fleet.parent / "customers/globex/queues.yaml").write_text(
        "queues:\n  - friendly_name: globex-only\n    max_size: lots\n"
    )
    result = run("plan", "--fleet", str(fleet))
    assert result.exit_code == 1
    assert "The fleet's manifests have problems" in result.stderr
    assert "customers/globex/queues.yaml:3" in result.stderr
    assert "(account globex)" in result.stderr
    assert requests() == []


def test_validate_a_fleet_names_file_and_line(run, tree) -> None:
    good = run("validate", "--fleet", str(tree(FLEET)))
    assert good.exit_code == 0 and "Valid:" in good.stdout
    bad = tree("accounts:\n  - friendly_name: acme\n    paths: [nowhere]\n")
    result = run("validate", "--fleet", str(bad))
    assert result.exit_code == 1
    assert f"{bad}:3 accounts[0].paths: paths[0] 'nowhere'" in result.stderr


def test_only_and_shard_select_accounts(run, tree) -> None:
    fleet = str(tree(FLEET))
    only = run("plan", "--fleet", fleet, "--only", "glob*", "--output", "json")
    names = [a["friendly_name"] for a in json.loads(only.stdout)["accounts"]]
    assert names == ["globex"]
    shards = [
        json.loads(
            run(
                "plan", "--fleet", fleet, "--shard", f"{k}/3", "--output", "json"
            ).stdout
        )["accounts"]
        for k in (1, 2, 3)
    ]
    assert sorted(a["friendly_name"] for s in shards for a in s) == ["acme", "globex"]


def test_a_saved_fleet_plan_applies_and_a_stale_account_is_refused_alone(
    run, tree, sandbox, tmp_path
) -> None:
    globex = _make_subaccount(sandbox, "globex")
    fleet, out = str(tree(FLEET)), tmp_path / "fleet-plan.json"
    assert run("plan", "--fleet", fleet, "--out", str(out)).exit_code == 0
    # Someone creates globex's queue by hand after the plan was reviewed.
    emulator = sandbox()
    with _client(emulator) as client:
        path = f"/2010-04-01/Accounts/{globex}/Queues.json"
        client.create("core", path, {"FriendlyName": "support"})
    emulator.save()
    result = run("apply", str(out), "--auto-approve")
    assert result.exit_code == 1
    assert "Stale plan" in result.stdout
    acme = _accounts(sandbox)["acme"]["sid"]
    assert _names(sandbox, acme, "Queues.json", "queues") == ["support"]
    assert _names(sandbox, globex, "Queues.json", "queues") == ["support"]


def test_closing_needs_allow_close_and_a_live_stranger_is_left_alone(
    run, tree, sandbox
) -> None:
    stranger = _make_subaccount(sandbox, "not-in-the-fleet")
    fleet = str(tree(FLEET))
    assert run("apply", "--fleet", fleet, "--auto-approve").exit_code == 0
    closing = tree(
        FLEET.replace("customers/globex]", "customers/globex]\n    status: closed")
    )
    refused = run("apply", "--fleet", str(closing), "--auto-approve")
    assert refused.exit_code == 1
    assert "--allow-close" in refused.stderr
    assert _accounts(sandbox)["globex"]["status"] == "active"
    done = run("apply", "--fleet", str(closing), "--auto-approve", "--allow-close")
    assert done.exit_code == 0, done.output
    accounts = _accounts(sandbox)
    assert accounts["globex"]["status"] == "closed"
    assert accounts["not-in-the-fleet"]["sid"] == stranger
    assert accounts["not-in-the-fleet"]["status"] == "active"


def test_suspending_is_managed(run, tree, sandbox) -> None:
    suspended = FLEET.replace(
        "customers/acme]", "customers/acme]\n    status: suspended"
    )
    result = run("apply", "--fleet", str(tree(suspended)), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert _accounts(sandbox)["acme"]["status"] == "suspended"
    plan = run("plan", "--fleet", str(tree(suspended)), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert "Resources not planned: the account is to be suspended" in plan.stdout
    unmanaged = run("plan", "--fleet", str(tree(FLEET)))
    assert unmanaged.exit_code == 1
    assert "acme: account is suspended at Twilio" in unmanaged.stdout
    assert re.search(r"^acme +0 +0 +0 +0 +error$", unmanaged.stdout, re.M)
    assert re.search(r"^globex +0 +0 +0 +0$", unmanaged.stdout, re.M)
    active = FLEET.replace("customers/acme]", "customers/acme]\n    status: active")
    again = run("apply", "--fleet", str(tree(active)), "--auto-approve")
    assert again.exit_code == 0, again.output
    assert _accounts(sandbox)["acme"]["status"] == "active"
    # Reactivated, its resources are planned from the next run on.
    resumed = run("apply", "--fleet", str(tree(active)), "--auto-approve")
    assert "acme (AC" in resumed.stdout and "ok, 2/2 changes" in resumed.stdout
    assert (
        run("plan", "--fleet", str(tree(active)), "--detailed-exitcode").exit_code == 0
    )


def test_the_fleet_file_may_name_the_parent(run, tree, sandbox) -> None:
    parent = sandbox().account_sid
    name = _accounts(sandbox)
    own = next(a for a in name.values() if a["sid"] == parent)["friendly_name"]
    fleet = tree(f"accounts:\n  - friendly_name: {own}\n    paths: [base]\n")
    result = run("apply", "--fleet", str(fleet), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert _names(sandbox, parent, "Queues.json", "queues") == ["support"]
    assert len(_accounts(sandbox)) == 1


def test_fleet_refuses_paths_and_account_sid(run, tree) -> None:
    fleet = str(tree(FLEET))
    result = run("plan", "--fleet", fleet, fleet)
    assert result.exit_code == 1 and "give no PATHs" in result.output
    result = run("--account-sid", "AC" + "1" * 32, "plan", "--fleet", fleet)
    assert result.exit_code == 1
    assert "the fleet file names the accounts" in result.output
    assert "Missing argument" in run("plan").output


def test_non_2010_kinds_land_in_their_subaccount(run, tree, sandbox) -> None:
    fleet = tree(FLEET)
    (fleet.parent / "base/verify.yaml").write_text(
        "verify_services:\n  - friendly_name: login\n"
    )
    result = run("apply", "--fleet", str(fleet), "--auto-approve")
    assert result.exit_code == 0, result.output
    accounts = _accounts(sandbox)
    owners = {s["account_sid"] for s in sandbox().records("verify_services")}
    assert owners == {accounts["acme"]["sid"], accounts["globex"]["sid"]}
    assert run("plan", "--fleet", str(fleet), "--detailed-exitcode").exit_code == 0


def test_export_all_accounts_writes_a_fleet_that_plans_no_changes(
    run, tree, sandbox, tmp_path
) -> None:
    assert run("apply", "--fleet", str(tree(FLEET)), "--auto-approve").exit_code == 0
    out = tmp_path / "estate"
    kinds = ("--kinds", "queues,applications")
    result = run("export", "--all-accounts", "--out", str(out), *kinds)
    assert result.exit_code == 0, result.output
    fleet = out / "fleet.yaml"
    assert "globex" in fleet.read_text()
    assert (out / "acme" / "queues.yaml").is_file()
    assert run("validate", "--fleet", str(fleet)).exit_code == 0
    plan = run("plan", "--fleet", str(fleet), *kinds, "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert "Fleet: 2 accounts, 0 with changes." in plan.stdout
    again = run("export", "--all-accounts", "--out", str(out), *kinds)
    assert again.exit_code == 1 and "Refusing to overwrite" in again.stderr


def test_requests_in_flight_stay_within_one_bound_across_accounts(
    tree, sandbox, monkeypatch, tmp_path
) -> None:
    from twilio_iac.cli.session import fleet_connect
    from twilio_iac.manifests import fleet as fleet_file
    from twilio_iac.reconcile import fleet
    from twilio_iac.reconcile.run import PlanOptions

    body = "accounts:\n" + "".join(
        f"  - friendly_name: c{i}\n    paths: [base]\n" for i in range(12)
    )
    accounts = fleet_file.load(tree(body)).accounts
    for account in accounts:
        _make_subaccount(sandbox, account.friendly_name)
    seen = {"now": 0, "peak": 0}
    original = Emulator.__call__

    def counting(self, environ, start_response):  # noqa: ANN001, ANN202
        seen["now"] += 1
        seen["peak"] = max(seen["peak"], seen["now"])
        try:
            return original(self, environ, start_response)
        finally:
            seen["now"] -= 1

    monkeypatch.setattr(Emulator, "__call__", counting)
    monkeypatch.setenv("TWILIO_IAC_SANDBOX_LATENCY", "5ms")
    # Eight accounts at once, two requests in flight in all.
    with fleet_connect(True, 2) as connect:
        planned = fleet.plan(accounts, connect, PlanOptions(env={}), 8)
    assert len(planned.accounts) == 12 and not planned.failed
    assert all(a.plan.counts["create"] == 1 for a in planned.accounts)
    assert 1 <= seen["peak"] <= 2


def test_markdown_is_one_comment_under_githubs_limit(run, tree, sandbox) -> None:
    _make_subaccount(sandbox, "c0000")  # planned, with no changes
    body = "accounts:\n" + "".join(
        f"  - friendly_name: c{i:04}\n    paths: [base, customers/acme]\n"
        for i in range(400)
    )
    fleet = tree(body)
    (fleet.parent / "base/queues.yaml").write_text(
        "queues:\n  - friendly_name: support\n    max_size: 10\n"
    )
    emulator = sandbox()
    sid = _accounts(sandbox)["c0000"]["sid"]
    with _client(emulator) as client:
        for leaf, name in (("Queues", "support"), ("Applications", "acme-ivr")):
            values = {"FriendlyName": name}
            if leaf == "Queues":
                values["MaxSize"] = "10"
            else:
                values["VoiceUrl"] = "https://example.com/acme"
            client.create("core", f"/2010-04-01/Accounts/{sid}/{leaf}.json", values)
    emulator.save()
    result = run("plan", "--fleet", str(fleet), "--output", "markdown")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert len(text) <= 65536
    assert text.startswith("**twilio-iac plan** for a fleet: 400 accounts")
    assert text.index("| c0399 |") < text.index("<details>")  # the table first
    assert "<summary>c0000" not in text  # no changes: in the table only
    assert "<summary>c0001: 3 to create</summary>" in text
    assert "more accounts with changes not shown (GitHub's comment limit)" in text


def test_a_fleet_too_big_for_one_table_lists_failures_and_changes_first(
    run, tree
) -> None:
    from twilio_iac.errors import PlanError
    from twilio_iac.manifests import fleet as fleet_file
    from twilio_iac.reconcile.fleet import AccountPlan, FleetPlan
    from twilio_iac.render import fleet as render

    body = "accounts:\n" + "".join(
        f"  - friendly_name: c{i:05}\n    paths: [base]\n" for i in range(3000)
    )
    accounts = fleet_file.load(tree(body)).accounts
    planned = FleetPlan(
        "AC" + "1" * 32,
        [AccountPlan(a, "AC" + "2" * 32) for a in accounts[:-1]]
        + [AccountPlan(accounts[-1], None, error=PlanError("broken"))],
    )
    text = render.markdown(planned)
    assert len(text) <= 65536
    assert text.index("| c02999 |") < text.index("| c00000 |")
    assert "more accounts not listed" in text
    assert "<summary>c02999: failed</summary>" in text


def test_a_throttled_account_lowers_its_own_write_limit_only(
    tree, sandbox, monkeypatch
) -> None:
    from twilio_iac.cli.session import fleet_connect
    from twilio_iac.manifests import fleet as fleet_file
    from twilio_iac.reconcile import fleet, fleet_apply
    from twilio_iac.reconcile.run import ApplyOptions, PlanOptions

    globex = _make_subaccount(sandbox, "globex")
    _make_subaccount(sandbox, "acme")
    emulator = sandbox()
    emulator.add_fault(
        "POST",
        rf"/Accounts/{globex}/Queues\.json$",
        429,
        20429,
        "Too Many Requests",
        headers={"Retry-After": "0"},
    )
    emulator.save()
    accounts = fleet_file.load(tree(FLEET)).accounts
    with (
        fleet_connect(True, 4) as connect,
        fleet.review(accounts, connect, PlanOptions(env={}), 4) as planned,
    ):
        results = fleet_apply.apply(planned, ApplyOptions(parallelism=4))
    by_name = {r.name: r for r in results}
    assert all(r.ok for r in results)
    assert by_name["globex"].report.retried_after_429 == 1
    assert by_name["globex"].report.lowest_parallelism == 2  # halved from 4
    assert by_name["acme"].report.retried_after_429 == 0
    assert by_name["acme"].report.lowest_parallelism is None


def test_each_kind_of_each_account_is_read_once(run, tree, sandbox, requests) -> None:
    sids = [_make_subaccount(sandbox, name) for name in ("acme", "globex")]
    assert run("plan", "--fleet", str(tree(FLEET))).exit_code == 0
    reads = [path for method, path in requests() if method == "GET"]
    assert "/2010-04-01/Accounts.json" in reads
    for sid in sids:
        assert f"/2010-04-01/Accounts/{sid}/Queues.json" in reads
    assert len(reads) == len(set(reads))  # each once, in one page


def test_an_entrys_own_key_variables_are_used_for_it_alone(
    run, tree, sandbox, monkeypatch
) -> None:
    globex = _make_subaccount(sandbox, "globex")
    _make_subaccount(sandbox, "acme")
    monkeypatch.setenv("GLOBEX_KEY", "SK" + "1" * 32)
    monkeypatch.setenv("GLOBEX_SECRET", "not-a-real-secret-value")
    body = FLEET + "    api_key_env: GLOBEX_KEY\n    api_secret_env: GLOBEX_SECRET\n"
    result = run("plan", "--fleet", str(tree(body)))
    assert result.exit_code == 1
    assert re.search(r"^acme +2 +0 +0 +0$", result.stdout, re.M)
    assert re.search(r"^globex +\d+ +0 +0 +0 +20003$", result.stdout, re.M)
    assert "GLOBEX_KEY/GLOBEX_SECRET" in result.stdout
    assert "not-a-real-secret-value" not in result.output
    assert globex in result.stdout


def test_over_http_a_fleet_lands_in_its_subaccounts_and_nothing_in_the_parent(
    tree, monkeypatch
) -> None:
    from click.testing import CliRunner

    from tests.e2e.test_exactly_once import served
    from twilio_iac.apis import APIS
    from twilio_iac.cli import cli
    from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN

    emulator = Emulator()
    fleet = str(tree(FLEET))
    with served(emulator) as url:
        monkeypatch.setenv("TWILIO_ACCOUNT_SID", SANDBOX_ACCOUNT_SID)
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", SANDBOX_AUTH_TOKEN)
        for api in APIS.values():
            monkeypatch.setenv(api.base_url_var, url)
        applied = CliRunner().invoke(cli, ["apply", "--fleet", fleet, "--auto-approve"])
        again = CliRunner().invoke(
            cli, ["plan", "--fleet", fleet, "--detailed-exitcode"]
        )
    assert applied.exit_code == 0, applied.output
    assert again.exit_code == 0, again.output
    owners = {r["friendly_name"]: r["sid"] for r in emulator.records("accounts")}
    queues = {
        (q["account_sid"], q["friendly_name"]) for q in emulator.records("queues")
    }
    assert queues == {
        (owners["acme"], "support"),
        (owners["globex"], "support"),
        (owners["globex"], "globex-only"),
    }
    assert {a["account_sid"] for a in emulator.records("applications")} == {
        owners["acme"]
    }


def test_an_edited_fleet_plan_is_refused_and_out_never_overwrites_a_manifest(
    run, tree, tmp_path
) -> None:
    fleet, out = tree(FLEET), tmp_path / "fleet-plan.json"
    assert run("plan", "--fleet", str(fleet), "--out", str(out)).exit_code == 0
    data = json.loads(out.read_text())
    data["accounts"][0]["friendly_name"] = "someone-else"
    out.write_text(json.dumps(data))
    result = run("apply", str(out), "--auto-approve")
    assert result.exit_code == 1
    assert "checksum does not match" in result.stderr
    manifest = fleet.parent / "base/queues.yaml"
    refused = run("plan", "--fleet", str(fleet), "--out", str(manifest))
    assert refused.exit_code == 1 and "refusing to overwrite" in refused.stderr
    assert manifest.read_text().startswith("queues:")
