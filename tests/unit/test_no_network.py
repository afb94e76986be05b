"""The suite's own guard: a test that tried to reach a real host would fail."""

from __future__ import annotations

import socket

import pytest


def test_connections_to_real_hosts_are_refused():
    with pytest.raises(OSError, match="must not use the network"):
        socket.create_connection(("203.0.113.1", 443), timeout=1)
