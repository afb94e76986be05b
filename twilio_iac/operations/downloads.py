"""Files written to disk from the API: the one way a download reaches a file.

A name that came over the network is used only if it is a SID of the expected
kind (a proxy or gateway in between may answer ``sid: "../victim"``); anything
else gets a fallback name, and the caller reports why. Files are created
exclusively, so nothing already on disk, nor an earlier file of the same
download, is overwritten unless the user passed --force.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from twilio_iac.api.client import TwilioClient
from twilio_iac.operations import listing


@dataclass(frozen=True)
class Name:
    """A file name for an API object, and why the API's own name was not used."""

    file: str
    refused: str | None = None


def name_for(
    sid: object, prefixes: str, extension: str, fallback: str, taken: set[str]
) -> Name:
    """``<sid><extension>`` if ``sid`` is a SID with one of ``prefixes`` and no
    earlier file of this download has it; else ``<fallback><extension>``
    (numbered until free). ``taken`` gains the name chosen."""
    wanted = f"{sid}{extension}"
    if not isinstance(sid, str) or not listing.is_sid(sid, prefixes):
        refused: str | None = f"{sid!r} is not a {prefixes.replace('|', ' or ')} SID"
    elif wanted in taken:
        refused = f"{sid} came twice in the API's answer"
    else:
        taken.add(wanted)
        return Name(wanted)
    file, count = f"{fallback}{extension}", 1
    while file in taken:
        count += 1
        file = f"{fallback}-{count}{extension}"
    taken.add(file)
    return Name(file, refused)


def save(client: TwilioClient, path: str, target: Path, force: bool = False) -> int:
    """Stream the API's file at ``path`` to ``target``; the bytes written.

    Without ``force`` the name is claimed with O_EXCL before the request, and
    FileExistsError is raised if it is taken. The bytes go to a temporary
    sibling first, so an interrupted download never leaves a truncated file
    under the final name; os.replace then swaps it in (over a symlink, never
    through it). The file is the user's alone (0600): media and recordings are
    personal data."""
    if not force:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        return _stream(client, path, target)
    except BaseException:
        if not force:
            target.unlink(missing_ok=True)
        raise


def _stream(client: TwilioClient, path: str, target: Path) -> int:
    handle, partial = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".part", dir=target.parent or "."
    )
    size = 0
    try:
        with os.fdopen(handle, "wb") as out:
            write: Callable[[bytes], object] = out.write

            def count(chunk: bytes) -> None:
                nonlocal size
                size += len(chunk)
                write(chunk)

            client.download("core", path, count)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return size
