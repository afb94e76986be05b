"""`twilio-iac init`: the files of a starter repository, written where missing.

The CI workflow and pre-commit entry are copies of examples/ci, so there is a
single copy to maintain; everything else is a small template here.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import twilio_iac
from twilio_iac.errors import TwilioIacError
from twilio_iac.manifests.schema import schema_dir
from twilio_iac.resources import REGISTRY


def _kinds_comment() -> str:
    """The opening comment, naming every kind the registry has, so a new kind
    appears in the starter without editing it."""
    by_other = [
        f"{rt.kind}: by {rt.identity}"
        for rt in REGISTRY.values()
        if rt.identity != "friendly_name"
    ]
    text = (
        "Your Twilio account as code: each top-level key is a kind "
        f"({', '.join(REGISTRY)}), each entry one object, identified by its "
        f"friendly_name ({'; '.join(by_other)}). A field you leave out is not "
        "managed; `null` clears it. A pool (a Messaging Service's senders, a SIP "
        "trunk's phone_numbers) lists its members by manifest name or E.164."
    )
    lines = textwrap.wrap(text, 77, break_on_hyphens=False)
    return "#\n" + "".join(f"# {line}\n" for line in lines) + "#\n"


STARTER_BODY = """\
# Guard: uncomment with your account SID so plan and apply refuse to run
# against any other account.
# account_sid: ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx

applications:
  - friendly_name: main-ivr
    voice_url: https://example.com/twilio/voice
    voice_method: POST
    sms_url: https://example.com/twilio/sms

phone_numbers:
  # +14155550100 belongs to the sandbox account (`twilio-iac --sandbox ...`);
  # put a number your account owns here.
  - phone_number: "+14155550100"
    friendly_name: Main line
    voice_application: main-ivr
    sms_application: main-ivr

# A pool, by manifest name: uncomment to send through a Messaging Service.
# messaging_services:
#   - friendly_name: Notifications
#     use_inbound_webhook_on_number: true
#     senders:
#       phone_numbers: [Main line]
"""

GITIGNORE = """\
# twilio-iac: sandbox state and saved plans (a plan names live SIDs and values)
.twilio-iac/
plan.json
plan.md
"""

README = """\
# Twilio account as code

This repository declares a Twilio account in `manifests/`, managed with
twilio-iac (`schemas/` holds its manifest schemas, for editors).

```sh
twilio-iac validate manifests            # offline: schema, references
twilio-iac --sandbox plan manifests      # try it against the built-in emulator
twilio-iac plan manifests                # what apply would change in Twilio
twilio-iac apply manifests               # make those changes (asks first)
```

Credentials come from `TWILIO_ACCOUNT_SID` with `TWILIO_API_KEY` and
`TWILIO_API_SECRET` (or `TWILIO_AUTH_TOKEN`).

Pull requests get the plan as a comment and merges to `main` apply exactly the
reviewed plan: see `.github/workflows/twilio-iac.yml`, which needs the
repository secrets `TWILIO_ACCOUNT_SID`, `TWILIO_API_KEY` and
`TWILIO_API_SECRET`, and the repository variable `TWILIO_IAC_PACKAGE` (what pip
installs, pinned; see the top of the workflow). To validate before every commit, install
[pre-commit](https://pre-commit.com) and run `pre-commit install`.
"""


OUTPUT_SCHEMAS = frozenset(
    {
        "plan.schema.json",
        "message.schema.json",
        "call.schema.json",
        "fleet.schema.json",
        "fleet-plan.schema.json",
    }
)


def starter() -> str:
    """The starter manifest: the kinds comment, then two example objects."""
    return _kinds_comment() + STARTER_BODY


def ci_example_dir() -> Path:
    # Like schemas/: inside the package in a wheel, at the repository root in
    # a source checkout or an editable install.
    packaged = Path(twilio_iac.__file__).parent / "examples" / "ci"
    return packaged if packaged.is_dir() else packaged.parents[2] / "examples" / "ci"


def _copied(text: str) -> str:
    """An example's text as init writes it in place: its "(copy to …)" note,
    true of the example, is not of the copy."""
    first, _, rest = text.partition("\n")
    first = re.sub(r" \(copy to [^)]*\)", "", first)
    return first + "\n" + rest


def files(target: Path) -> dict[Path, str]:
    """Relative path → contents of every file init writes."""
    ci = ci_example_dir()
    try:
        workflow = _copied((ci / "twilio-iac.yml").read_text(encoding="utf-8"))
        hooks = _copied((ci / "pre-commit-config.yaml").read_text(encoding="utf-8"))
    except OSError as exc:
        raise TwilioIacError(
            f"The CI example is missing from this installation ({exc.filename}); "
            "reinstall twilio-iac."
        ) from exc
    # The repository carries its own copy of the schemas, so the editor line
    # in every manifest is a relative path that works on any machine and in CI.
    schemas = {
        Path("schemas") / p.name: p.read_text(encoding="utf-8")
        for p in sorted(schema_dir().glob("*.schema.json"))
        # The others describe what commands print, not manifests.
        if p.name not in OUTPUT_SCHEMAS
    }
    return {
        **schemas,
        Path("manifests/twilio.yaml"): "# yaml-language-server: "
        "$schema=../schemas/manifest.schema.json\n" + starter(),
        Path(".github/workflows/twilio-iac.yml"): workflow,
        Path(".pre-commit-config.yaml"): hooks,
        Path(".gitignore"): GITIGNORE,
        Path("README.md"): README,
    }


@dataclass(frozen=True)
class Outcome:
    """What init did to each of its files (paths relative to the target)."""

    created: list[Path] = field(default_factory=list)
    overwritten: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    updated: list[Path] = field(default_factory=list)
    # .gitignore lines added to an existing one: without them the sandbox's
    # state and saved plans (live SIDs and values) would be committed.
    ignored: list[str] = field(default_factory=list)


def _missing_ignores(existing: str) -> list[str]:
    present = {line.strip() for line in existing.splitlines()}
    return [
        line
        for line in GITIGNORE.splitlines()
        if line and not line.startswith("#") and line not in present
    ]


def _add_ignores(path: Path, lines: list[str]) -> None:
    text = path.read_text(encoding="utf-8")
    head = "" if not text or text.endswith("\n") else "\n"
    comment = GITIGNORE.splitlines()[0]
    path.write_text(text + head + "\n".join([comment, *lines]) + "\n", "utf-8")


STARTER = Path("manifests/twilio.yaml")


def _has_manifests(directory: Path) -> bool:
    return directory.is_dir() and any(
        p.suffix in (".yaml", ".yml") and not p.name.startswith(".")
        for p in directory.iterdir()
    )


def create(target: Path, force: bool = False) -> Outcome:
    """Write the starter files under ``target``: those missing, or all with
    ``force``. An existing file is kept, except that an existing .gitignore
    gains the lines it lacks."""
    outcome = Outcome()
    for path, text in files(target).items():
        full = target / path
        if full.is_dir():
            raise TwilioIacError(
                f"{full} is a directory where init writes a file; nothing more "
                "was written. Move it aside and run init again."
            )
        exists = full.exists()
        if path == STARTER and not exists and not force and _has_manifests(full.parent):
            # Its demo objects would join the user's own manifests' plan.
            outcome.kept.append(path)
            continue
        if exists and not force:
            missing = []
            if path == Path(".gitignore"):
                missing = _missing_ignores(full.read_text(encoding="utf-8"))
            if missing:
                _add_ignores(full, missing)
                outcome.ignored.extend(missing)
            (outcome.updated if missing else outcome.kept).append(path)
            continue
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_text(text, encoding="utf-8")
        (outcome.overwritten if exists else outcome.created).append(path)
    return outcome
