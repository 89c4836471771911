"""Printed forms at the counter (#10): kept with the case, never written to the data
directory; exported on request (Ctrl+Shift+E, audited); a certificate blank voided with
a supervisor's approval and the certificate printed again (Ctrl+Shift+V)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.auth.service import BUILTIN_QA_ID, BUILTIN_SUPERVISOR_ID, SIMULATED_SECRETS
from app.domain.case import CaseStatus, MarriageCase
from tests.ui.conftest import pdf_text
from tests.ui.test_marriage_gui import press
from ui.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def audited(window: MainWindow) -> list[tuple[str, str, str]]:
    path = window.services.config.data_dir / "audit" / "audit.jsonl"
    records = map(json.loads, path.read_text(encoding="utf-8").splitlines())
    return [(r["action"], r["operator"], r.get("detail", "")) for r in records]


def issued(qtbot: QtBot, window: MainWindow) -> MarriageCase:
    reader: Any = window.services.devices["id_reader"]
    press(qtbot, window, Qt.Key.Key_N, CTRL)
    reader.present_card("groom1")
    press(qtbot, window, Qt.Key.Key_F2)
    reader.present_card("bride1")
    press(qtbot, window, Qt.Key.Key_F3)
    press(qtbot, window, Qt.Key.Key_F10)
    press(qtbot, window, Qt.Key.Key_F5)
    press(qtbot, window, Qt.Key.Key_F10)
    press(qtbot, window, Qt.Key.Key_F7)
    press(qtbot, window, Qt.Key.Key_F8)
    press(qtbot, window, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    press(qtbot, window, Qt.Key.Key_F10)
    press(qtbot, window, Qt.Key.Key_F10)
    press(qtbot, window, Qt.Key.Key_F12)
    press(qtbot, window, Qt.Key.Key_P, CTRL)
    case = window.case
    assert case is not None and case.status is CaseStatus.ISSUED
    return case


def test_issued_forms_are_kept_with_the_case_and_never_written_to_the_data_directory(
    window: MainWindow, qtbot: QtBot
) -> None:
    case = issued(qtbot, window)
    stored = window.services.store.load_case(case.case_id)
    assert stored is not None and sorted(f.name for f in stored.form_files) == sorted(case.printed_forms)
    assert case.registration is not None
    assert case.registration.certificate_no in pdf_text(stored.form_file("certificate-A.pdf") or b"")
    data_dir = window.services.config.data_dir
    assert not (data_dir / "output").exists()
    assert [p for p in data_dir.rglob("*") if p.suffix.lower() == ".pdf"] == []


def test_ctrl_shift_e_exports_the_forms_to_the_chosen_folder_after_an_export_record(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    case = issued(qtbot, window)
    chosen = tmp_path / "registrar-folder"
    asked: list[bool] = []
    window.choose_export_folder = lambda: asked.append(True) or str(chosen)
    press(qtbot, window, Qt.Key.Key_E, CTRL_SHIFT)
    assert asked == [True]
    folder = chosen / case.case_id
    qtbot.waitUntil(lambda: folder.exists() and len(list(folder.iterdir())) == len(case.printed_forms),
                    timeout=10_000)
    for form in case.form_files:
        assert (folder / form.name).read_bytes() == form.pdf
    exports = [r for r in audited(window) if r[0] == "export"]
    assert exports and exports[-1][1] == BUILTIN_QA_ID and "certificate-A" in exports[-1][2]
    window.choose_export_folder = lambda: ""  # the registrar cancels the dialog: nothing happens
    press(qtbot, window, Qt.Key.Key_E, CTRL_SHIFT)
    assert len([r for r in audited(window) if r[0] == "export"]) == len(exports)


def test_ctrl_shift_v_voids_a_certificate_blank_with_a_supervisor_and_prints_it_again(
    window: MainWindow, qtbot: QtBot
) -> None:
    case = issued(qtbot, window)
    press(qtbot, window, Qt.Key.Key_V, CTRL_SHIFT)
    dialog = window.void_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowModality() is Qt.WindowModality.WindowModal
    assert [dialog.certificate.itemData(i) for i in range(dialog.certificate.count())] == [
        "certificate-A.pdf", "certificate-B.pdf"
    ]
    dialog.certificate.setCurrentIndex(1)
    dialog.print_no.setText("11000123456")
    dialog.supervisor.setText(BUILTIN_SUPERVISOR_ID)
    dialog.secret.setText(SIMULATED_SECRETS[BUILTIN_SUPERVISOR_ID])
    dialog.buttons.accepted.emit()  # no reason yet: refused, the dialog stays
    assert dialog.isVisible() and dialog.hint.text()
    dialog.reason.setPlainText("打印时卡纸，持证人姓名处污损")
    dialog.buttons.accepted.emit()

    def reprinted() -> bool:
        current = window.case
        return (not window.busy and current is not None and len(current.voided_blanks) == 1
                and current.voided_blanks[0].reprinted_at is not None)

    qtbot.waitUntil(reprinted, timeout=10_000)
    assert window.case is not None
    (blank,) = window.case.voided_blanks
    assert (blank.form, blank.print_no, blank.supervisor_id) == ("certificate-B.pdf", "11000123456",
                                                                  BUILTIN_SUPERVISOR_ID)
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()
    assert window.services.store.load_case(case.case_id) == window.case
    reprint = window.case.form_file("certificate-B.pdf")
    # Kept, and queued for the archive (by hash: the sync worker may have sent it already).
    files = {f.name: f.sha256 for f in window.services.store.archive_files(case.case_id)}
    assert reprint and files["supplement-1/forms/certificate-B.pdf"] == hashlib.sha256(reprint).hexdigest()
    assert "supplement-1/voided-blank.json" in files
    assert ("approval", BUILTIN_SUPERVISOR_ID, f"void_blank form=certificate-B.pdf requested_by={BUILTIN_QA_ID}") \
        in audited(window)
    assert window.error_bar.text == ""


def test_a_case_without_printed_forms_is_not_exported(window: MainWindow, qtbot: QtBot) -> None:
    press(qtbot, window, Qt.Key.Key_N, CTRL)
    asked: list[bool] = []
    window.choose_export_folder = lambda: asked.append(True) or ""
    window.export_action.trigger()
    assert asked == [] and "WF-001" in window.error_bar.text
