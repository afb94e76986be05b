"""The state file: a write is on disk before it is answered, two processes share
one file, a JSON state of version 2 is migrated, and `emulator dump`."""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

from tests.conftest import plan_json
from twilio_iac.cli import cli
from twilio_iac.cli.session import session
from twilio_iac.emulator import SEED_NUMBERS, Emulator
from twilio_iac.emulator.store.statefile import Database
from twilio_iac.errors import ConfigError

from .test_emulator import AUTH, P, call, legacy_state

AUTH_HEADER = "Basic " + base64.b64encode(":".join(AUTH).encode()).decode()


class Server:
    """`twilio-iac emulator serve` in a subprocess, on a given state file."""

    def __init__(self, state: Path) -> None:
        command = [sys.executable, "-m", "twilio_iac", "emulator", "serve"]
        command += ["--port", "0", "--state", str(state)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert "listening on" in line, self.process.stderr.read()  # type: ignore[union-attr]
        self.base = line.split("listening on ")[1].split()[0]

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> dict:
        data = urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", AUTH_HEADER)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def _queues(server: Server) -> dict[str, str]:
    page = server.request("GET", f"{P}/Queues.json?PageSize=1000")
    return {q["sid"]: q["friendly_name"] for q in page["queues"]}


# --- crash safety ---------------------------------------------------------------


def test_kill_9_loses_no_acknowledged_write(tmp_path: Path, servers) -> None:
    state = tmp_path / "sandbox.db"
    server = Server(state)
    servers.append(server)
    acknowledged: dict[str, str] = {}
    enough = threading.Event()
    lock = threading.Lock()

    def write(worker: int) -> None:
        for i in range(10_000):
            name = f"w{worker}-{i}"
            try:
                sid = server.request("POST", f"{P}/Queues.json", {"FriendlyName": name})
            except (OSError, ValueError, http.client.HTTPException):
                return  # the server is gone; a cut answer acknowledged nothing
            with lock:
                acknowledged[sid["sid"]] = name
                if len(acknowledged) >= 60:
                    enough.set()

    writers = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for writer in writers:
        writer.start()
    assert enough.wait(timeout=60)
    server.kill()  # writers are still sending: some writes are cut mid-way
    for writer in writers:
        writer.join(timeout=30)
    assert len(acknowledged) >= 60

    restarted = Server(state)
    servers.append(restarted)
    kept = _queues(restarted)
    assert {sid: kept.get(sid) for sid in acknowledged} == acknowledged
    # The SID counter survived too: the next create gets a new SID.
    new = restarted.request("POST", f"{P}/Queues.json", {"FriendlyName": "after"})
    assert new["sid"] not in kept


# --- two processes on one state file -----------------------------------------------


def test_served_and_in_process_writes_share_one_state(tmp_path: Path, servers) -> None:
    state = tmp_path / "sandbox.db"
    Emulator(state_path=state).close()
    server = Server(state)
    servers.append(server)
    local = Emulator(state_path=state)

    def over_http(i: int) -> None:
        server.request("POST", f"{P}/Queues.json", {"FriendlyName": f"http-{i}"})

    def in_process(i: int) -> None:
        reply = call(local, "POST", f"{P}/Queues.json", {"FriendlyName": f"local-{i}"})
        assert reply.status == 201

    threads = [threading.Thread(target=over_http, args=(i,)) for i in range(15)]
    threads += [threading.Thread(target=in_process, args=(i,)) for i in range(15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    expected = {f"http-{i}" for i in range(15)} | {f"local-{i}" for i in range(15)}
    served = _queues(server)
    # Both processes hand out SIDs from one counter: none is given twice.
    assert sorted(served.values()) == sorted(expected)
    assert {q["sid"] for q in local.records("queues")} == set(served)


def test_a_sandbox_cli_run_and_emulator_serve_see_each_other(
    run, write, state_path: Path, servers
) -> None:
    server = Server(state_path)
    servers.append(server)
    server.request("POST", f"{P}/Applications.json", {"FriendlyName": "served-app"})
    manifest = write(
        "twilio.yaml",
        """
        applications:
          - friendly_name: served-app
          - friendly_name: cli-app
            voice_url: https://example.com/voice
        """,
    )
    result = run("apply", str(manifest), "--auto-approve")
    assert result.exit_code == 0, result.output
    apps = server.request("GET", f"{P}/Applications.json")["applications"]
    assert sorted(a["friendly_name"] for a in apps) == ["cli-app", "served-app"]
    assert plan_json(run, manifest)["changes"] == []


def test_a_process_catches_up_on_what_another_changed(
    tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "s.db"
    one, two = Emulator(state_path=path), Emulator(state_path=path)
    full_reads: list[Path] = []
    real = Database.read

    def spy(self: Database) -> dict:
        full_reads.append(self.path)
        return real(self)

    monkeypatch.setattr(Database, "read", spy)
    first = one.insert("queues", friendly_name="first")["sid"]
    second = two.insert("queues", friendly_name="second")["sid"]
    assert call(one, "DELETE", f"{P}/Queues/{first}.json").status == 204
    third = call(one, "POST", f"{P}/Queues.json", {"FriendlyName": "third"})
    assert len({first, second, third.body["sid"]}) == 3  # one SID counter
    for emulator in (one, two):
        names = [q["friendly_name"] for q in emulator.records("queues")]
        assert names == ["second", "third"]
    one.add_fault("GET", "Queues", 503, 20503, "down")
    assert call(two, "GET", f"{P}/Queues.json").status == 503
    assert one.state()["faults"] == []
    assert full_reads == []  # only the changes were read, never the whole state


# --- what one request writes --------------------------------------------------------


def test_a_write_stores_one_row_whatever_the_account_size(
    tmp_path: Path, monkeypatch
) -> None:
    emulator = Emulator(state_path=tmp_path / "s.db")
    emulator.seed_phone_numbers(5_000)
    written: list[tuple[int, bool]] = []
    real = Database.write

    def spy(self: Database, rows: list, meta: str | None) -> None:
        written.append((len(rows), meta is not None))
        real(self, rows, meta)

    monkeypatch.setattr(Database, "write", spy)
    sid = emulator.records("phone_numbers")[-1]["sid"]
    path = f"{P}/IncomingPhoneNumbers/{sid}.json"
    assert call(emulator, "POST", path, {"VoiceUrl": "https://a.example"}).status == 200
    assert call(emulator, "GET", path).status == 200
    assert written == [(1, False)]  # the GET wrote nothing
    fresh = Emulator(state_path=tmp_path / "s.db")
    assert fresh.records("phone_numbers")[-1]["voice_url"] == "https://a.example"


def test_changes_made_by_hooks_are_written(tmp_path: Path) -> None:
    # Deleting an application clears it on the numbers that used it: those
    # records change in place, inside another kind's request.
    path = tmp_path / "s.db"
    emulator = Emulator(state_path=path)
    app = emulator.insert("applications", friendly_name="ivr")["sid"]
    number = emulator.records("phone_numbers")[0]["sid"]
    url = f"{P}/IncomingPhoneNumbers/{number}.json"
    call(emulator, "POST", url, {"VoiceApplicationSid": app})
    assert call(emulator, "DELETE", f"{P}/Applications/{app}.json").status == 204
    again = Emulator(state_path=path)
    assert again.records("applications") == []
    assert again.records("phone_numbers")[0]["voice_application_sid"] is None


def test_direct_changes_are_written_by_save(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    emulator = Emulator(state_path=path)
    emulator.store.state["history_anchor"] = "2025-06-15"
    emulator.store.records("phone_numbers")[
        emulator.records("phone_numbers")[0]["sid"]
    ]["friendly_name"] = "edited"
    emulator.save()
    again = Emulator(state_path=path)
    assert again.state()["history_anchor"] == "2025-06-15"
    assert again.records("phone_numbers")[0]["friendly_name"] == "edited"


# --- migration and refusal -----------------------------------------------------------


def test_a_json_state_file_of_version_2_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    old = legacy_state()
    donor = Emulator()
    old_queues = [donor.insert("queues", friendly_name=n) for n in ("gone", "kept")]
    donor.remove("queues", old_queues[0]["sid"])
    old["counter"] = donor.state()["counter"]
    old["collections"]["queues"] = {old_queues[1]["sid"]: old_queues[1]}
    old["faults"] = [
        {
            "method": "GET",
            "path_regex": "Applications",
            "status": 503,
            "code": 20503,
            "message": "down",
            "times": 1,
            "after": 0,
        }
    ]
    path.write_text(json.dumps(old))
    emulator = Emulator(state_path=path)
    assert path.read_bytes().startswith(b"SQLite format 3\x00")
    backup = tmp_path / "sandbox.json.v2-backup"
    assert json.loads(backup.read_text()) == old
    assert [q["friendly_name"] for q in emulator.records("queues")] == ["kept"]
    assert call(emulator, "GET", f"{P}/Applications.json").status == 503
    created = call(emulator, "POST", f"{P}/Queues.json", {"FriendlyName": "new"})
    # The counter carried over: the SIDs handed out before are not reused.
    assert created.body["sid"] not in {q["sid"] for q in old_queues}


def test_the_old_default_state_file_is_migrated_to_the_new_one(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    legacy = tmp_path / ".twilio-iac" / "sandbox.json"
    legacy.parent.mkdir()
    old = legacy_state()
    old["counter"] = 77
    legacy.write_text(json.dumps(old))
    with session(True, env={}) as client:
        numbers = client.list(
            "core", f"{P}/IncomingPhoneNumbers.json", "incoming_phone_numbers"
        )
    assert len(list(numbers)) == len(SEED_NUMBERS)
    assert (tmp_path / ".twilio-iac" / "sandbox.db").exists()
    assert not legacy.exists()
    assert (tmp_path / ".twilio-iac" / "sandbox.json.v2-backup").exists()
    assert Emulator(state_path=Path(".twilio-iac/sandbox.db")).state()["counter"] == 77


def test_a_state_file_of_another_version_is_refused_with_a_way_out(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    Emulator(state_path=path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    with pytest.raises(ConfigError, match="written by another version") as caught:
        Emulator(state_path=path)
    assert "Delete it (and its -wal and -shm files) to start" in str(caught.value)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00\x01not a state file")
    with pytest.raises(ConfigError, match="cannot be read"):
        Emulator(state_path=junk)


# --- emulator dump ---------------------------------------------------------------


def test_emulator_dump_prints_the_state(state_path: Path) -> None:
    sandbox = Emulator(state_path=state_path)
    sandbox.insert("queues", friendly_name="dumped")
    sandbox.close()
    result = CliRunner().invoke(cli, ["emulator", "dump"])
    assert result.exit_code == 0, result.output
    state = json.loads(result.stdout)
    assert state["version"] == 3
    queues = state["collections"]["queues"]
    assert [q["friendly_name"] for q in queues.values()] == ["dumped"]
    numbers = state["collections"]["phone_numbers"].values()
    assert sorted(n["phone_number"] for n in numbers) == sorted(SEED_NUMBERS)


def test_emulator_dump_without_a_state_file(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    result = CliRunner().invoke(cli, ["emulator", "dump", "--state", str(missing)])
    assert result.exit_code == 1
    assert f"There is no sandbox state at {missing}" in result.stderr
    assert not missing.exists()


def test_a_list_sees_every_change_since_the_last_page() -> None:
    # Lists of one account are kept between pages; any change refreshes them.
    emulator = Emulator()
    path = f"{P}/IncomingPhoneNumbers.json"

    def listed(at: str = P) -> list[str]:
        page = call(emulator, "GET", f"{at}/IncomingPhoneNumbers.json").body
        return [n["phone_number"] for n in page["incoming_phone_numbers"]]

    assert listed() == list(SEED_NUMBERS)
    sub = call(emulator, "POST", "/2010-04-01/Accounts.json", {"FriendlyName": "s"})
    first = emulator.records("phone_numbers")[0]["sid"]
    url = f"{P}/IncomingPhoneNumbers/{first}.json"
    assert call(emulator, "POST", url, {"AccountSid": sub.body["sid"]}).status == 200
    assert listed() == list(SEED_NUMBERS[1:])
    assert listed(f"/2010-04-01/Accounts/{sub.body['sid']}") == [SEED_NUMBERS[0]]
    bought = call(emulator, "POST", path, {"PhoneNumber": "+15105550123"})
    assert bought.status == 201
    assert listed() == [*SEED_NUMBERS[1:], "+15105550123"]
    emulator.remove("phone_numbers", bought.body["sid"])
    assert listed() == list(SEED_NUMBERS[1:])


def test_deleting_the_file_starts_over_even_with_a_log_left_behind(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    killed = Emulator(state_path=path)
    killed.insert("queues", friendly_name="before")
    wal = path.with_name("s.db-wal")
    left_behind = wal.read_bytes()  # as a kill -9 would leave it
    killed.close()
    path.unlink()
    wal.write_bytes(left_behind)
    fresh = Emulator(state_path=path)
    assert fresh.records("queues") == []
    assert len(fresh.records("phone_numbers")) == len(SEED_NUMBERS)


def test_owned_numbers_stay_known_without_a_scan() -> None:
    emulator = Emulator()
    numbers = f"{P}/IncomingPhoneNumbers.json"

    def buy(number: str) -> int:
        return call(emulator, "POST", numbers, {"PhoneNumber": number}).status

    assert buy(SEED_NUMBERS[0]) == 400  # owned
    assert buy("+15105550100") == 201
    assert buy("+15105550100") == 400
    sid = emulator.records("phone_numbers")[-1]["sid"]
    assert (
        call(emulator, "DELETE", f"{P}/IncomingPhoneNumbers/{sid}.json").status == 204
    )
    assert buy("+15105550100") == 201
    # A number changed in place (not through a request) is seen too.
    stored = emulator.store.records("phone_numbers")
    first = next(iter(stored.values()))
    first["phone_number"] = "+15105550199"
    assert buy("+15105550199") == 400
    assert buy(SEED_NUMBERS[0]) == 201
    area = call(emulator, "POST", numbers, {"AreaCode": "510"}).body["phone_number"]
    assert area not in {"+15105550100", "+15105550199"}


def test_a_state_file_locked_too_long_is_one_clear_error(
    run, write, state_path: Path, monkeypatch
) -> None:
    from twilio_iac.emulator.store import statefile

    Emulator(state_path=state_path).close()
    monkeypatch.setattr(statefile, "_BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(state_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process, stuck mid-write
    try:
        manifest = write("twilio.yaml", "queues:\n  - friendly_name: q\n")
        result = run("plan", str(manifest))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert f"The sandbox state file {state_path} stayed locked" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_record_map_keeps_its_index_through_every_kind_of_change() -> None:
    from twilio_iac.emulator.store import RecordMap

    changes: dict = {}
    numbers = RecordMap("phone_numbers", changes, {"PN1": {"sid": "PN1", "app": "AP1"}})
    assert numbers.having("app", "AP1") == ["PN1"]  # built on first use
    numbers["PN2"] = {"sid": "PN2", "app": "AP1"}  # set
    numbers["PN1"]["app"] = "AP2"  # changed in place
    assert numbers.having("app", "AP1") == ["PN2"]
    assert numbers.having("app", "AP2") == ["PN1"]
    numbers["PN2"] = {"sid": "PN2", "app": None}  # replaced
    assert numbers.having("app", "AP1") == []
    del numbers["PN1"]
    assert numbers.having("app", "AP2") == []
    numbers.load("PN3", {"sid": "PN3", "app": "AP2"})  # from another process
    assert numbers.having("app", "AP2") == ["PN3"]
    numbers["PN3"].update(app="AP4")  # a change the index cannot follow: rebuilt
    assert numbers.having("app", "AP4") == ["PN3"]
    assert set(numbers.values_of("app")) == {None, "AP4"}
    assert list(changes) == [("phone_numbers", s) for s in ("PN2", "PN1", "PN3")]


def test_deleting_an_application_clears_only_the_numbers_using_it() -> None:
    emulator = Emulator()
    first, second = (
        emulator.insert("applications", friendly_name=name)["sid"]
        for name in ("one", "two")
    )
    sids = [n["sid"] for n in emulator.records("phone_numbers")]
    url = f"{P}/IncomingPhoneNumbers/{{}}.json"
    call(emulator, "POST", url.format(sids[0]), {"VoiceApplicationSid": first})
    call(emulator, "POST", url.format(sids[1]), {"SmsApplicationSid": first})
    call(emulator, "POST", url.format(sids[2]), {"VoiceApplicationSid": second})
    assert call(emulator, "DELETE", f"{P}/Applications/{first}.json").status == 204
    numbers = emulator.records("phone_numbers")
    assert [n["voice_application_sid"] for n in numbers[:3]] == [None, None, second]
    assert numbers[1]["sms_application_sid"] is None
    call(emulator, "POST", url.format(sids[0]), {"VoiceApplicationSid": second})
    assert call(emulator, "DELETE", f"{P}/Applications/{second}.json").status == 204
    numbers = emulator.records("phone_numbers")
    assert [n["voice_application_sid"] for n in numbers[:3]] == [None, None, None]


def test_an_update_keeps_the_record_in_its_place(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    emulator = Emulator(state_path=path)
    before = [n["sid"] for n in emulator.records("phone_numbers")]
    url = f"{P}/IncomingPhoneNumbers/{before[0]}.json"
    assert call(emulator, "POST", url, {"FriendlyName": "first"}).status == 200
    listed = call(emulator, "GET", f"{P}/IncomingPhoneNumbers.json").body
    assert [n["sid"] for n in listed["incoming_phone_numbers"]] == before
    reopened = Emulator(state_path=path)
    assert [n["sid"] for n in reopened.records("phone_numbers")] == before
