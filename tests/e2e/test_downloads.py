"""Downloads never trust a name from the network: a hostile Media.json answer
(a path, an absolute path, a SID given twice) is served between the CLI and the
sandbox, and every file stays in the folder, none is overwritten, and every
refused name is reported."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import httpx
import pytest

from twilio_iac.api.client import TwilioClient

SENDER = "+14155550100"


def _mms(run, count: int) -> str:
    urls = [
        arg for n in range(count) for arg in ("--media-url", f"https://e.x/{n}.png")
    ]
    result = run(
        "send", "sms", "--to", "+14155551234", "--from", SENDER, "--yes",
        *urls, "--output", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["sid"]


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch):
    """Rewrite the SIDs of the next Media.json answer to the ones given."""
    sids: list[object] = []
    real = TwilioClient._send_once

    def send(self: TwilioClient, call):  # noqa: ANN001, ANN202
        outcome = real(self, call)
        if sids and call.url.split("?")[0].endswith("/Media.json"):
            body = outcome.response.json()
            for item, sid in zip(body["media_list"], sids, strict=True):
                item["sid"] = sid
            answer = httpx.Response(200, json=body, request=outcome.response.request)
            return dataclasses.replace(outcome, response=answer)
        return outcome

    monkeypatch.setattr(TwilioClient, "_send_once", send)
    return sids


def test_hostile_media_names_stay_in_the_folder(run, hostile, tmp_path: Path):
    victim = tmp_path / "victim.png"
    victim.write_bytes(b"keep me")
    outside = tmp_path / "abs.png"
    sid = _mms(run, 4)
    same = "ME" + "a" * 32
    hostile.extend(["../victim", str(outside.with_suffix("")), same, same])
    folder = tmp_path / "media"
    result = run("messages", "media", sid, "--download", str(folder))
    assert result.exit_code == 0, result.output
    assert victim.read_bytes() == b"keep me" and not outside.exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["media-1.png", "media-2.png", f"{same}.png", "media-4.png"]
    )
    assert "'../victim' is not a ME SID; saved as media-1.png" in result.stderr
    assert f"{str(outside.with_suffix(''))!r} is not a ME SID" in result.stderr
    assert f"{same} came twice in the API's answer; saved as media-4.png" in (
        result.stderr
    )
    assert "4 files saved in" in result.stdout


def test_existing_media_files_are_kept_without_force(run, tmp_path: Path):
    sid = _mms(run, 2)
    folder = tmp_path / "media"
    assert run("messages", "media", sid, "--download", str(folder)).exit_code == 0
    first, second = sorted(folder.iterdir())
    first.write_bytes(b"edited")
    second.unlink()
    again = run("messages", "media", sid, "--download", str(folder))
    assert again.exit_code == 1
    assert first.read_bytes() == b"edited" and second.exists()
    assert f"not saved: {first} exists (--force overwrites)" in again.stderr
    assert "1 of 2 media files not saved" in again.stderr
    assert "Traceback" not in again.output
    forced = run("messages", "media", sid, "--download", str(folder), "--force")
    assert forced.exit_code == 0, forced.output
    assert first.read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]
