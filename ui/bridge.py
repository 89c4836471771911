"""Runs blocking work off the GUI thread and delivers results back onto it.

Store and central-store calls run on one application worker thread (the local store
is used from a single thread, like Anki's collection executor). Device calls run on
each device's own thread; `run_after` chains a device future to a worker step
without blocking any thread while the person at the counter reads or signs. Results
and errors come back to the GUI thread as queued signals. The GUI thread never waits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal

from app.errors import AppError
from devices.errors import DeviceError

A = TypeVar("A")
T = TypeVar("T")
log = logging.getLogger(__name__)

Delivery = tuple["Future[Any]", Callable[[Any], None], Callable[[BaseException], None]]


class OpRunner(QObject):
    busy_changed = Signal(bool)
    _deliver = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="app-worker")
        self._pending = 0
        self._closed = False
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def run(
        self, fn: Callable[[], T], on_success: Callable[[T], None], on_failure: Callable[[BaseException], None]
    ) -> None:
        """`fn` on the worker; `on_success(result)` or `on_failure(error)` on the GUI thread."""
        self._begin()
        self._submit(fn, on_success, on_failure)

    def run_after(
        self,
        first: Future[A],
        then: Callable[[A], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[BaseException], None],
    ) -> None:
        """When `first` (a device future) completes, `then(result)` on the worker."""
        self._begin()

        def chain(done: Future[A]) -> None:
            error = done.exception()
            if error is not None:
                self._emit((_failed(error), on_success, on_failure))
            else:
                self._submit(lambda: then(done.result()), on_success, on_failure)

        first.add_done_callback(chain)

    def _begin(self) -> None:
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)

    def _submit(
        self, fn: Callable[[], T], on_success: Callable[[T], None], on_failure: Callable[[BaseException], None]
    ) -> None:
        try:
            future = self._executor.submit(fn)
        except RuntimeError as error:  # shut down while a device was still answering
            self._emit((_failed(error), on_success, on_failure))
            return
        future.add_done_callback(lambda f: self._emit((f, on_success, on_failure)))

    def _emit(self, delivery: Delivery) -> None:
        if not self._closed:
            self._deliver.emit(delivery)

    def _on_deliver(self, delivery: Delivery) -> None:
        future, on_success, on_failure = delivery
        try:
            error = future.exception()
            if error is None:
                try:
                    on_success(future.result())
                except Exception as callback_error:  # a display bug still reaches the registrar
                    log.exception("GUI callback failed")
                    on_failure(callback_error)
            else:
                if not isinstance(error, AppError | DeviceError):
                    log.error("operation failed", exc_info=error)
                on_failure(error)
        except Exception:
            log.exception("GUI error handler failed")
        finally:
            self._pending -= 1
            if self._pending == 0:
                self.busy_changed.emit(False)

    def shutdown(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)


def _failed(error: BaseException) -> Future[Any]:
    future: Future[Any] = Future()
    future.set_exception(error)
    return future
