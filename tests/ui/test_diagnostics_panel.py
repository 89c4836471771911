"""The Diagnostics page: the device report and the self-tests of the running counter,
computed off the GUI thread."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.bootstrap import CounterServices
from ui.diagnostics import DiagnosticsPanel


@pytest.fixture
def panel(services: CounterServices, qtbot: QtBot) -> Iterator[DiagnosticsPanel]:
    widget = DiagnosticsPanel(services)
    qtbot.addWidget(widget)
    yield widget
    widget.shutdown()


def _column(panel: DiagnosticsPanel, table: Any, column: int) -> list[str]:
    return [table.item(row, column).text() for row in range(table.rowCount())]


def test_shows_the_report_when_first_shown(panel: DiagnosticsPanel, qtbot: QtBot) -> None:
    with qtbot.waitSignal(panel.report_shown, timeout=10_000):
        panel.show()
    qtbot.waitUntil(lambda: not panel.busy, timeout=5_000)
    assert panel.report is not None and panel.report.ok
    kinds = _column(panel, panel.devices_table, 0)
    assert kinds[:4] == ["身份证阅读器 (id_reader)", "高拍仪 (camera)", "签批屏 (signature_pad)", "条码识别 (barcode)"]
    assert _column(panel, panel.devices_table, 3)[0] == "就绪（模拟）"
    assert panel.summary.text() == "所有已配置的设备均可用。"
    assert "libraries" in panel.details.toPlainText() and "pyserial" in panel.details.toPlainText()


def test_self_tests_run_off_the_gui_thread(
    panel: DiagnosticsPanel, services: CounterServices, qtbot: QtBot
) -> None:
    camera = services.devices["camera"]
    camera.inject_fault("capture", "timeout", delay_s=0.5)  # type: ignore[attr-defined]
    panel.exercise_box.setChecked(True)  # QA asks for real captures on the simulated devices
    with qtbot.waitSignal(panel.self_tests_shown, timeout=15_000) as shown:
        panel.test_button.click()
        # The click returned while the camera still waits: the GUI thread did not.
        assert panel.busy and not panel.test_button.isEnabled() and panel.results == []
    results = {r.kind: r for r in shown.args[0]}
    assert not results["camera"].passed and "DEV-002" in results["camera"].error_code
    assert all(r.passed for kind, r in results.items() if kind != "camera")
    qtbot.waitUntil(lambda: not panel.busy, timeout=5_000)
    assert panel.test_button.isEnabled() and panel.summary.text() == "自检未通过：1"
    outcomes = dict(zip(_column(panel, panel.tests_table, 0), _column(panel, panel.tests_table, 1), strict=True))
    assert outcomes["高拍仪 (camera)"] == "未通过" and outcomes["身份证阅读器 (id_reader)"] == "通过"
    detail = _column(panel, panel.tests_table, 3)[1]
    assert detail.startswith("[DEV-002] 模拟高拍仪") and "无响应" in detail

    with qtbot.waitSignal(panel.self_tests_shown, timeout=15_000) as shown:  # the fault fired once
        panel.run_self_tests()
    assert all(r.passed for r in shown.args[0])
    qtbot.waitUntil(lambda: not panel.busy, timeout=5_000)
    assert panel.summary.text() == "全部自检通过。"


def test_an_unplugged_device_is_shown_unavailable(
    panel: DiagnosticsPanel, services: CounterServices, qtbot: QtBot
) -> None:
    services.devices["signature_pad"].set_connected(False).result(timeout=5)  # type: ignore[attr-defined]
    with qtbot.waitSignal(panel.report_shown, timeout=10_000):
        panel.refresh()
    qtbot.waitUntil(lambda: not panel.busy, timeout=5_000)
    assert _column(panel, panel.devices_table, 3)[2] == "不可用（模拟）"
    assert "unplugged" in _column(panel, panel.devices_table, 4)[2]
    assert panel.summary.text() == "不可用的设备：1"
