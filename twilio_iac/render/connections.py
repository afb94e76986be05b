"""The gateway's Twilio connections drawn for people (a block, a table) and
for scripts (CSV); `used` is the connection the gateway's requests go to."""

from __future__ import annotations

import csv
import io
from typing import Any


def connection_lines(record: dict[str, Any]) -> list[str]:
    lines = [
        f"Connection {record['connection_id']}",
        f"  status:       {record['status']}",
        f"  created:      {record.get('creation_time')}",
        f"  last updated: {record.get('last_updated_time')}",
    ]
    if record["status"] == "PENDING" and record.get("url"):
        lines.append(f"  authorise at: {record['url']}")
    return lines


def connections_table(rows: list[dict[str, Any]], used: str, chosen: str) -> str:
    """``chosen`` is MATON_CONNECTION: the legend says why ``used`` is marked."""
    if not rows:
        return (
            "No Twilio connections. Create one with "
            "`twilio-iac gateway connections create`."
        )
    head = ("", "CONNECTION", "STATUS", "CREATED", "UPDATED")
    body = [
        (
            "*" if row["connection_id"] == used else "",
            row["connection_id"],
            row["status"],
            str(row.get("creation_time") or ""),
            str(row.get("last_updated_time") or ""),
        )
        for row in rows
    ]
    widths = [max(len(r[i]) for r in (head, *body)) for i in range(len(head))]
    lines = [
        "  ".join(
            cell.ljust(width) for cell, width in zip(r, widths, strict=True)
        ).rstrip()
        for r in (head, *body)
    ]
    why = "MATON_CONNECTION" if chosen else "the gateway's default, the oldest active"
    if any(row[0] for row in body):
        lines.append(f"* in use ({why})")
    return "\n".join(lines)


def connections_csv(rows: list[dict[str, Any]], used: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    fields = ["connection_id", "status", "creation_time", "last_updated_time"]
    writer.writerow([*fields, "in_use"])
    for row in rows:
        in_use = "true" if row["connection_id"] == used else "false"
        writer.writerow([*(row.get(f, "") for f in fields), in_use])
    return out.getvalue()
