"""Faults outside the counter: a broken scenario, an unreachable central store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from app.bootstrap import build_services
from app.domain.case import CaseStatus, MarriageStep, Role, Voluntariness
from tests.counter_fixtures import simulated_config
from ui.app import ensure_application
from ui.main_window import MainWindow


def test_broken_scenario_starts_with_the_device_unavailable_and_says_why(
    tmp_path: Path, qtbot: QtBot, qapp: object
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("spec: 1\nid_reader: [not, a, mapping]\n", encoding="utf-8")
    ensure_application("zh_CN")
    config = simulated_config(tmp_path / "data")
    config = config.model_copy(update={"devices": config.devices.model_copy(update={"id_reader": f"sim:{broken}"})})
    services = build_services(config)
    window = MainWindow(services)
    try:
        window.show()
        qtbot.waitUntil(lambda: not window.busy)
        label = window.device_labels["id_reader"]
        assert "不可用" in label.text() and "SIM-001" in label.toolTip() and str(broken) in label.toolTip()
        window.new_button.click()
        qtbot.waitUntil(lambda: not window.busy)
        window.pages[MarriageStep.IDENTIFY].panels[Role.A].read_button.click()  # type: ignore[attr-defined]
        assert "不可用" in window.error_bar.text
    finally:
        window.close()
        services.close()


def test_unreachable_central_store_keeps_capture_and_the_case_waits(
    tmp_path: Path, qtbot: QtBot, qapp: object
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the central store's folder should be", encoding="utf-8")
    ensure_application("zh_CN")
    config = simulated_config(tmp_path / "data", CENTRAL__URL=f"sqlite:///{blocker}/central.sqlite3")
    services = build_services(config)
    window = MainWindow(services)
    try:
        window.show()
        qtbot.waitUntil(lambda: not window.busy)
        assert "无法连接" in window.central_label.text()
        reader: Any = services.devices["id_reader"]
        window.new_button.click()
        qtbot.waitUntil(lambda: not window.busy)
        for role, person in ((Role.A, "groom1"), (Role.B, "bride1")):
            reader.present_card(person)
            window.pages[MarriageStep.IDENTIFY].panels[role].read_button.click()  # type: ignore[attr-defined]
            qtbot.waitUntil(lambda: not window.busy)
        case = window.case
        assert case is not None and len(case.parties) == 2  # capture works offline
        assert all(p.central_active_marriage is None for p in case.parties.values())
        # jump the captured case to the register step the way a resumed case would be
        flow = services.workflow
        camera: Any = services.devices["camera"]
        case = flow.go_to(case, MarriageStep.DOCUMENTS)
        case = flow.add_document(case, camera.capture().result(10), "joint_photo")
        case = flow.go_to(case, MarriageStep.DECLARATIONS)
        pad: Any = services.devices["signature_pad"]
        for role in (Role.A, Role.B):
            text = flow.declaration_text(case, role)
            case = flow.add_signature(case, role, pad.capture_signature("x", text).result(10))
        case = flow.attest_voluntariness(case, Voluntariness.VOLUNTARY)
        case = flow.go_to(flow.go_to(case, MarriageStep.REVIEW), MarriageStep.REGISTER)
        window._show_case(case)
        window.pages[MarriageStep.REGISTER].register_button.click()  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: not window.busy and window.case is not None
                        and window.case.status is CaseStatus.WAITING_CENTRAL)
        assert window.error_bar.text.startswith("[CEN-001]") and "无法连接婚姻登记中心库" in window.error_bar.text
        qtbot.waitUntil(lambda: any("等待中心库" in window.queue.item(i).text() for i in range(window.queue.count())))
        # The network comes back: the queued registration goes through by itself (here
        # "sync now" skips the backoff) and the screen moves on without a key press.
        blocker.unlink()
        window.sync_panel.sync_button.click()
        qtbot.waitUntil(lambda: window.case is not None and window.case.status is CaseStatus.REGISTERED,
                        timeout=20_000)
        assert window.case.step is MarriageStep.ISSUE and window.case.registration is not None
        assert window.error_bar.text == ""
    finally:
        window.close()
        services.close()
