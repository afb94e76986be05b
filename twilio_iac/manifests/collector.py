"""The cyclic garbage collector paused while plans are computed.

Everything a plan allocates (located YAML, entries, Resources, live records)
stays alive until the plan exists, so the collector's passes over it find
nothing to free and only cost time, more the more there is: at 50,000 numbers
they were half of the CPU. Reference counting still frees what dies. Plans of
several accounts at once (a fleet) share the one collector, so the last one
to finish restores it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pause:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs = 0
        self._was_enabled = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if not self._runs:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._runs += 1
        try:
            yield
        finally:
            with self._lock:
                self._runs -= 1
                if not self._runs and self._was_enabled:
                    gc.enable()


paused_gc = _Pause()
