"""One dedicated worker thread per device.

PC/SC contexts, serial ports and most vendor SDKs are safest used from a single
thread, so every device owns a one-worker executor and every public call returns a
Future. Nothing here ever blocks the caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

THREAD_PREFIX = "dev-"


class DeviceThread:
    def __init__(self, name: str) -> None:
        self.name = THREAD_PREFIX + name
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.name)
        self._closed = False

    def submit(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        return self._executor.submit(fn, *args, **kwargs)

    def is_current(self) -> bool:
        return threading.current_thread().name.startswith(self.name)

    def shutdown(self, wait: bool = True) -> None:
        """Stops accepting work, cancels what has not started, joins the worker."""
        if not self._closed:
            self._closed = True
            self._executor.shutdown(wait=wait, cancel_futures=True)
