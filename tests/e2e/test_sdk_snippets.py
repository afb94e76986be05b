"""Pointing other clients at `emulator serve`: the export lines it prints on
start and `emulator env` prints again, and the README's SDK snippets (Python,
and node when node and its twilio package are installed) run against it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from twilio_iac.apis import APIS
from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN

ROOT = Path(__file__).resolve().parents[2]
BASE_VARS = [api.base_url_var for api in APIS.values()]
# What a served sandbox is started without, so that it uses its own pair.
CLEAN = {
    k: v
    for k, v in os.environ.items()
    if not k.startswith(("TWILIO_", "MATON_", "HTTP_PROXY", "HTTPS_PROXY"))
}


@dataclass
class Served:
    url: str
    port: int
    printed: list[str]  # what serve printed before serving


def _serve(tmp_path: Path, env: dict[str, str]) -> Iterator[Served]:
    process = subprocess.Popen(
        [sys.executable, "-m", "twilio_iac", "emulator", "serve", "--port", "0",
         "--state", str(tmp_path / "served.db"), "--clock", "manual"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        printed = [process.stdout.readline().rstrip("\n")]
        assert "listening on http://127.0.0.1:" in printed[0], printed
        # The announcement ends with the clock's line (the clock is manual).
        while not printed[-1].startswith("The sandbox's clock is stopped"):
            printed.append(process.stdout.readline().rstrip("\n"))
        url = printed[0].split()[4]
        yield Served(url, int(url.rpartition(":")[2]), printed)
    finally:
        process.terminate()
        process.communicate(timeout=10)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    yield from _serve(tmp_path, CLEAN)


def _exports(lines: list[str]) -> dict[str, str]:
    found = (re.fullmatch(r"export (\w+)=(\S+)", line) for line in lines)
    return {m.group(1): m.group(2) for m in found if m}


def test_serve_prints_what_points_a_client_at_it(served) -> None:
    exports = _exports(served.printed)
    assert exports == {
        "TWILIO_ACCOUNT_SID": SANDBOX_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": SANDBOX_AUTH_TOKEN,
        **{name: served.url for name in BASE_VARS},
    }
    assert f"emulator env --port {served.port}" in served.printed[1]


def test_serve_never_prints_the_users_own_token(tmp_path: Path) -> None:
    secret = "f00dfeedf00dfeedf00dfeedf00dfeed"
    sid = "AC" + "1" * 32
    env = {**CLEAN, "TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": secret}
    for served in _serve(tmp_path, env):
        assert not any(secret in line for line in served.printed)
        exports = _exports(served.printed)
        assert exports["TWILIO_ACCOUNT_SID"] == sid
        assert "TWILIO_AUTH_TOKEN" not in exports
        assert "# TWILIO_AUTH_TOKEN: keep the one this server was started with" in (
            served.printed
        )


def _env(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "twilio_iac", "emulator", "env", *args],
        capture_output=True, text=True, env={**CLEAN, **extra},
    )  # fmt: skip


def test_emulator_env_prints_the_same_lines_again(served) -> None:
    again = _env("--port", str(served.port))
    assert again.returncode == 0, again.stderr
    exports = [line for line in served.printed if line.startswith(("export", "#"))]
    assert again.stdout.splitlines() == exports
    by_url = _env("--url", served.url + "/")
    assert by_url.stdout == again.stdout


def test_emulator_env_speaks_fish_and_powershell() -> None:
    fish = _env("--shell", "fish", "--port", "9000").stdout.splitlines()
    assert f"set -gx TWILIO_ACCOUNT_SID {SANDBOX_ACCOUNT_SID}" in fish
    assert "set -gx TWILIO_LOOKUPS_BASE_URL http://127.0.0.1:9000" in fish
    shell = _env("--shell", "powershell").stdout.splitlines()
    assert "$env:TWILIO_API_BASE_URL = 'http://127.0.0.1:8080'" in shell
    assert len(fish) == len(shell) == len(BASE_VARS) + 2


def test_emulator_env_hides_a_token_of_the_users_and_refuses_bad_input() -> None:
    secret = "f00dfeedf00dfeedf00dfeedf00dfeed"
    mine = _env(TWILIO_ACCOUNT_SID="AC" + "1" * 32, TWILIO_AUTH_TOKEN=secret)
    assert secret not in mine.stdout + mine.stderr
    assert f"export TWILIO_ACCOUNT_SID=AC{'1' * 32}" in mine.stdout
    both = _env("--port", "1", "--url", "http://127.0.0.1:1")
    assert both.returncode == 1 and "not both" in both.stderr
    assert "Traceback" not in both.stderr
    bad = _env("--url", "127.0.0.1:8080")
    assert bad.returncode == 1 and "http://127.0.0.1:8080" in bad.stderr


def test_the_exported_lines_point_twilio_iac_at_the_server(served) -> None:
    script = (
        f'eval "$("{sys.executable}" -m twilio_iac emulator env --port {served.port})"'
        f' && "{sys.executable}" -m twilio_iac numbers list'
        f' && "{sys.executable}" -m twilio_iac lookup +14155551234'
    )
    done = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, env=CLEAN
    )
    assert done.returncode == 0, done.stderr
    assert "+14155550100" in done.stdout


def _snippet(language: str, url: str) -> str:
    readme = (ROOT / "docs" / "sandbox.md").read_text(encoding="utf-8")
    fence = {"python": "python", "node": "js"}[language]
    found = re.search(
        rf"<!-- sdk-snippet:{language} .*?-->\n```{fence}\n(.*?)```", readme, re.S
    )
    assert found, f"the README's {language} SDK snippet is missing"
    assert found.group(1).count("http://127.0.0.1:8080") == 1
    return found.group(1).replace("http://127.0.0.1:8080", url)


# Prepended to the Python snippet: any connection or name lookup off loopback
# fails, so a domain left pointing at Twilio cannot go unnoticed.
OFFLINE = """\
import socket
_connect, _lookup = socket.socket.connect, socket.getaddrinfo
def _local(host):
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise OSError(f"the network is off ({host!r})")
socket.socket.connect = lambda s, a: (_local(a[0]), _connect(s, a))[1]
socket.getaddrinfo = lambda h, *a, **k: (_local(h), _lookup(h, *a, **k))[1]
"""


def test_the_readme_python_snippet_reaches_only_the_server(served) -> None:
    pytest.importorskip("twilio.rest")
    code = OFFLINE + _snippet("python", served.url)
    # TWILIO_EDGE would rewrite every host: the README says to leave it unset.
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=CLEAN
    )
    assert done.returncode == 0, done.stderr
    numbers, valid = done.stdout.splitlines()
    assert "+14155550100" in numbers and valid == "True"


def _node_with_twilio() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    found = subprocess.run(
        [node, "-e", "require.resolve('twilio')"], capture_output=True, env=CLEAN
    )
    if found.returncode != 0:
        pytest.skip("node's twilio package is not installed (npm install twilio)")
    return node


def test_the_readme_node_snippet_reaches_the_server(served) -> None:
    node = _node_with_twilio()
    done = subprocess.run(
        [node, "-e", _snippet("node", served.url)],
        capture_output=True, text=True, env=CLEAN, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    numbers, valid = done.stdout.splitlines()
    assert "+14155550100" in numbers and valid == "true"


def test_the_readmes_serve_transcript_is_what_serve_prints(capsys) -> None:
    from twilio_iac.emulator.server import _announce

    _announce("127.0.0.1", 8080, SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    readme = (ROOT / "docs" / "sandbox.md").read_text(encoding="utf-8")
    shown = re.search(
        r"```console\n\$ twilio-iac emulator serve --port 8080\n(.*?)```", readme, re.S
    )
    assert shown and shown.group(1) == capsys.readouterr().out
