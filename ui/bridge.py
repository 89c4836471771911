"""Runs blocking work off the GUI thread and delivers results back onto it.

Store, central store and device calls run on one application worker thread (the
local store is used from a single thread, like Anki's collection executor); device
calls themselves run on each device's own thread. The GUI thread never waits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal

T = TypeVar("T")
log = logging.getLogger(__name__)


class OpRunner(QObject):
    """`run(fn, on_success, on_failure)`: fn on the worker, callbacks on the GUI thread."""

    busy_changed = Signal(bool)
    _deliver = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="app-worker")
        self._pending = 0
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def run(
        self,
        fn: Callable[[], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[BaseException], None],
    ) -> None:
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        future = self._executor.submit(fn)
        future.add_done_callback(lambda f: self._deliver.emit((f, on_success, on_failure)))

    def _on_deliver(self, payload: tuple[Future[Any], Callable[[Any], None], Callable[[BaseException], None]]) -> None:
        future, on_success, on_failure = payload
        try:
            error = future.exception()
            if error is None:
                on_success(future.result())
            else:
                if not _is_expected(error):
                    log.error("operation failed", exc_info=error)
                on_failure(error)
        except Exception:  # a bug in a callback must not kill the event loop
            log.exception("GUI callback failed")
        finally:
            self._pending -= 1
            if self._pending == 0:
                self.busy_changed.emit(False)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def _is_expected(error: BaseException) -> bool:
    from app.errors import AppError
    from devices.errors import DeviceError

    return isinstance(error, AppError | DeviceError)
