"""The Diagnostics page for IT: the same report as `marriage-counter devices list` and
the self-tests of `devices test`, for the devices the running counter holds.

Building the report (library metadata, opening devices the counter could not open) and
the self-tests (a camera capture, a QR decode) block, so each runs on a worker thread of
its own (ui.bridge.OpRunner) that ends when its result is back on the GUI thread; the
GUI thread never waits on them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.bootstrap import CounterServices
from app.diagnostics.report import DeviceReport, DiagnosticsReport, build_report
from app.diagnostics.selftest import Outcome, SelfTestResult, run_self_tests
from app.domain.case import DeviceMode
from ui.bridge import OpRunner
from ui.i18n import error_text

T = TypeVar("T")
_FAILED = QColor("#b00020")
_PASSED = QColor("#1b5e20")


class DiagnosticsPanel(QWidget):
    """Device report and self-tests. Refreshes itself when first shown."""

    report_shown = Signal(object)  # DiagnosticsReport
    self_tests_shown = Signal(object)  # list[SelfTestResult]
    busy_changed = Signal(bool)

    def __init__(self, services: CounterServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diagnostics_panel")
        self.services = services
        self.report: DiagnosticsReport | None = None
        self.results: list[SelfTestResult] = []
        self._runners: set[OpRunner] = set()
        self._focus: str | None = None  # the device a click on its indicator asked for
        self._chinese = services.config.ui.language == "zh_CN"

        self.summary = QLabel(self.tr("Not checked yet."))
        self.summary.setWordWrap(True)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        self.test_button = QPushButton(self.tr("Run self-tests"))
        self.test_button.clicked.connect(self.run_self_tests)
        # QA's choice: a simulated device's self-test takes a real capture, which uses up
        # the faults armed on it and moves its timeline; off by default.
        self.exercise_box = QCheckBox(self.tr("Also exercise simulated devices (uses up armed faults)"))
        self.exercise_box.setVisible(services.device_mode is DeviceMode.SIMULATED)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.exercise_box)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.test_button)

        self.devices_table = self._table(
            [self.tr("Device"), self.tr("Setting"), self.tr("Backend"), self.tr("State"), self.tr("Reason")]
        )
        self.tests_table = self._table([self.tr("Device"), self.tr("Result"), self.tr("Time"), self.tr("Detail")])
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setObjectName("diagnostics_details")

        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(QLabel(self.tr("Devices")))
        layout.addWidget(self.devices_table)
        layout.addWidget(QLabel(self.tr("Self-tests")))
        layout.addWidget(self.tests_table)
        layout.addWidget(QLabel(self.tr("Versions and services")))
        layout.addWidget(self.details, 1)

    @staticmethod
    def _table(headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.horizontalHeader().setStretchLastSection(True)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        return table

    # --- actions -------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return bool(self._runners)

    def refresh(self) -> None:
        """Rebuilds the report off the GUI thread; the counter's open devices are read
        as they are, the others opened and closed again."""
        if self.busy:
            return
        config, held = self.services.config, dict(self.services.devices)  # read here, on the GUI thread
        self.summary.setText(self.tr("Checking the devices…"))
        self._start(lambda: build_report(config, held=held), self._show_report)

    def run_self_tests(self) -> None:
        """The self-tests of every configured device, the counter's own as they are."""
        if self.busy:
            return
        config, held = self.services.config, dict(self.services.devices)
        exercise = self.exercise_box.isChecked()
        self.summary.setText(self.tr("Running the self-tests…"))
        self._start(lambda: run_self_tests(config, held=held, exercise_simulated=exercise), self._show_results)

    def shutdown(self) -> None:
        """Waits for a report or self-test still running (the owner calls this when it
        closes; a self-test is bounded by its time limit)."""
        for runner in list(self._runners):
            runner.shutdown()
        self._runners.clear()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.report is None and not self.busy:
            self.refresh()

    def _start(self, work: Callable[[], T], show: Callable[[T], None]) -> None:
        runner = OpRunner(self)
        self._runners.add(runner)
        self._set_busy(True)

        def done() -> None:  # after the delivery has returned: the worker is idle by now
            if runner in self._runners:
                self._runners.discard(runner)
                runner.shutdown()
            runner.deleteLater()
            self._set_busy(False)

        def succeeded(result: T) -> None:
            QTimer.singleShot(0, done)
            show(result)

        def failed(error: BaseException) -> None:
            QTimer.singleShot(0, done)
            self.summary.setText(error_text(error))

        runner.run(work, succeeded, failed)

    def _set_busy(self, busy: bool) -> None:
        self.refresh_button.setEnabled(not busy)
        self.test_button.setEnabled(not busy)
        self.busy_changed.emit(busy)

    # --- display -------------------------------------------------------------------------

    def kind_text(self, kind: str) -> str:
        names = {
            "id_reader": self.tr("ID card reader"),
            "camera": self.tr("Document camera"),
            "signature_pad": self.tr("Signature pad"),
            "barcode": self.tr("Barcode decoder"),
            "printer": self.tr("Printer"),
            "fingerprint": self.tr("Fingerprint scanner"),
        }
        name = names.get(kind)
        return f"{name} ({kind})" if name else kind

    def state_text(self, device: DeviceReport) -> str:
        if not device.configured:
            return self.tr("not configured")
        states = {
            "ready": self.tr("ready"),
            "busy": self.tr("busy"),
            "not_ready": self.tr("not ready"),
            "unavailable": self.tr("unavailable"),
        }
        text = states.get(device.state, device.state)
        return text + (self.tr(" (simulated)") if device.simulated else "")

    def outcome_text(self, outcome: Outcome) -> str:
        return {
            Outcome.PASS: self.tr("passed"),
            Outcome.FAIL: self.tr("failed"),
            Outcome.SKIP: self.tr("skipped"),
        }[outcome]

    def focus_device(self, kind: str) -> None:
        """Selects `kind`'s row, now or once the report arrives."""
        self._focus = kind
        self._select_focus()

    def current_kind(self) -> str | None:
        row = self.devices_table.currentRow()
        if self.report is None or not 0 <= row < len(self.report.devices):
            return None
        return self.report.devices[row].kind

    def _select_focus(self) -> None:
        if self.report is None or self._focus is None:
            return
        kinds = [device.kind for device in self.report.devices]
        if self._focus in kinds:
            self.devices_table.selectRow(kinds.index(self._focus))

    def _reason(self, code: str, english: str, chinese: str) -> str:
        text = chinese if self._chinese and chinese else english
        return f"[{code}] {text}" if code else text

    def _show_report(self, report: DiagnosticsReport) -> None:
        self.report = report
        self.devices_table.setRowCount(len(report.devices))
        for row, device in enumerate(report.devices):
            reason = (
                self._reason(device.error_code, device.error, device.error_zh) if device.error else device.reason
            )
            cells = [self.kind_text(device.kind), device.spec, device.backend, self.state_text(device), reason]
            self._fill(self.devices_table, row, cells, None if device.ok else _FAILED)
        self.devices_table.resizeColumnsToContents()
        problems = sum(not device.ok for device in report.devices)
        if problems:
            self.summary.setText(self.tr("Devices not available: {count}").format(count=problems))
        else:
            self.summary.setText(self.tr("All configured devices are available."))
        self.details.setPlainText(report.render_text())
        self._select_focus()
        self.report_shown.emit(report)

    def _show_results(self, results: list[SelfTestResult]) -> None:
        self.results = results
        self.tests_table.setRowCount(len(results))
        for row, result in enumerate(results):
            detail = self._reason(result.error_code, result.detail, result.detail_zh)
            cells = [
                self.kind_text(result.kind), self.outcome_text(result.outcome),
                f"{result.duration_s * 1000:.0f} ms", detail,
            ]
            colour = _FAILED if result.outcome is Outcome.FAIL else _PASSED if result.outcome is Outcome.PASS else None
            self._fill(self.tests_table, row, cells, colour)
        self.tests_table.resizeColumnsToContents()
        failed = sum(not result.passed for result in results)
        if failed:
            self.summary.setText(self.tr("Self-tests failed: {count}").format(count=failed))
        else:
            self.summary.setText(self.tr("All self-tests passed."))
        self.self_tests_shown.emit(results)

    @staticmethod
    def _fill(table: QTableWidget, row: int, cells: list[str], colour: QColor | None) -> None:
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if colour is not None:
                item.setForeground(colour)
            table.setItem(row, column, item)
