"""A registrar handles divorce at the counter through the real GUI, on simulated devices
and real SQLite stores, from the keyboard: the application with its receipt, the
withdrawal on the last day of the cooling-off period, the second visit (receipt scanned
from the camera), and the registrations the rules turn away (too early, wrong office).

Earlier visits are made through the workflows, as another day at the counter would
have made them; the clock is the workflows' FixedClock, moved between visits."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.domain.case import Business, CaseStatus, Role
from app.domain.divorce import CertificateCopies, Finding
from app.rules.counter_divorce import MARRIAGE_CERTIFICATE
from devices.camera.types import DocumentClass
from tests.ui.conftest import FIRST_VISIT, Counter, kept_pdf, pdf_page_png, pdf_text, receipt_no
from ui.main_window import MainWindow
from ui.print.divorce_forms import NOT_ACCEPTED_TITLE, NOT_REGISTERED_TITLE, WITHDRAWAL_CONFIRMATION_TITLE

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier
COOLING_OFF_END = date(2026, 7, 2)
ISSUE_WINDOW = ("2026-07-03", "2026-08-03")


def squeeze(text: str) -> str:
    """PDF text without the line breaks of wrapped cells."""
    return "".join(text.split())


def applications_rows(counter: Counter) -> list[list[str]]:
    tree = counter.window.applications
    return [
        [item.text(column) for column in range(tree.columnCount())]
        for item in (tree.topLevelItem(i) for i in range(tree.topLevelItemCount()))
        if item is not None
    ]


def test_divorce_application_end_to_end_with_the_keyboard(counter: Counter) -> None:
    marriage = counter.marry("groom1", "bride1")
    assert marriage.registration is not None
    certificate = marriage.registration.certificate_no

    counter.press(Qt.Key.Key_D, CTRL)
    page: Any = counter.page(Business.DIVORCE_APPLICATION)
    assert counter.case.business is Business.DIVORCE_APPLICATION
    assert counter.window.stack.currentWidget() is counter.page(Business.DIVORCE_APPLICATION)
    assert "离婚登记申请" in counter.window.steps_label.text()
    counter.read_card("groom1", Qt.Key.Key_F2)
    counter.read_card("bride1", Qt.Key.Key_F3)
    # Found from the cards, without typing; the screen shows masked numbers only.
    assert certificate in page.marriage.text
    assert "李明轩" in page.parties[Role.A].text and "1101**********0310" in page.parties[Role.A].text
    assert "110101199503120310" not in page.parties[Role.A].text

    counter.press(Qt.Key.Key_1, ALT)  # both certificates brought
    assert counter.case.divorce is not None
    assert counter.case.divorce.certificate_copies is CertificateCopies.BOTH
    assert page.documents.current_class() == MARRIAGE_CERTIFICATE
    counter.press(Qt.Key.Key_F5)
    counter.press(Qt.Key.Key_F5)
    assert [d.document_class for d in counter.case.documents] == [MARRIAGE_CERTIFICATE] * 2

    counter.press(Qt.Key.Key_I, ALT)
    counter.press(Qt.Key.Key_Down)  # intent: confirmed
    counter.press(Qt.Key.Key_C, ALT)
    counter.press(Qt.Key.Key_Down)  # capacity: confirmed
    assert counter.case.divorce.intent_finding is Finding.CONFIRMED
    assert counter.case.divorce.capacity_finding is Finding.CONFIRMED
    counter.press(Qt.Key.Key_F7)
    counter.press(Qt.Key.Key_F8)
    assert page.rules_box.rules.rule_ids(failed_only=True) == []
    assert page.rules_box.law.text().startswith("《婚姻登记条例》（国务院令第804号）")
    assert "2026-07-02" in page.dates.text  # projected: if accepted today

    counter.press(Qt.Key.Key_F12)
    case = counter.case
    assert case.status is CaseStatus.REGISTERED and case.registration is not None
    number = case.registration.certificate_no
    assert number.startswith("110101-20260602-")
    assert number in page.receipt.text() and number in page.outcome.text()
    assert "2026-06-02" in page.dates.text and "2026-07-02" in page.dates.text
    assert all(day in page.dates.text for day in ISSUE_WINDOW)

    counter.press(Qt.Key.Key_P, CTRL)
    assert counter.case.status is CaseStatus.ISSUED
    case = counter.case
    assert case.printed_forms == ("divorce-application.pdf", "divorce-receipt.pdf")
    assert certificate in squeeze(pdf_text(kept_pdf(case, "divorce-application.pdf")))
    receipt_pdf = kept_pdf(case, "divorce-receipt.pdf")
    assert number in squeeze(pdf_text(receipt_pdf))
    # The paper the couple takes home reads back to its number with the counter's own reader.
    codes = counter.services.devices["barcode"].decode(pdf_page_png(receipt_pdf)).result(timeout=5)  # type: ignore[attr-defined]
    assert [c.text for c in codes] == [number]
    # This office's list shows the new application, pending, with its dates.
    counter.wait_idle()
    assert [number, "2026-06-02", "2026-07-02", "2026-08-03", "待办"] in applications_rows(counter)


def test_a_denied_finding_refuses_the_application_and_prints_the_notice(counter: Counter) -> None:
    counter.marry("groom2", "bride2")
    counter.press(Qt.Key.Key_D, CTRL)
    page: Any = counter.page(Business.DIVORCE_APPLICATION)
    counter.read_card("groom2", Qt.Key.Key_F2)
    counter.read_card("bride2", Qt.Key.Key_F3)
    assert not counter.window.refuse_button.isEnabled()
    page.set_findings(Finding.DENIED, Finding.CONFIRMED)  # the registrar chose "denied" in the box
    counter.wait_idle()
    assert "第十四条第一项" in page.banner_text and counter.window.refuse_button.isEnabled()
    counter.press(Qt.Key.Key_R, CTRL_SHIFT)
    assert counter.case.status is CaseStatus.REFUSED
    text = squeeze(pdf_text(kept_pdf(counter.case, "refusal-notice.pdf")))
    assert NOT_ACCEPTED_TITLE in text and "未达成离婚合意" in text and "陈志强" in text


def test_two_visits_31_days_apart_register_the_divorce(counter: Counter) -> None:
    marriage = counter.marry("groom1", "bride1")
    assert marriage.registration is not None
    application = counter.apply_for_divorce("groom1", "bride1")
    receipt_png = counter.receipt_png(application)

    counter.set_day(FIRST_VISIT + timedelta(days=31))
    counter.press(Qt.Key.Key_R, CTRL)
    page: Any = counter.page(Business.DIVORCE_REGISTRATION)
    assert counter.case.business is Business.DIVORCE_REGISTRATION
    counter.camera.present_image(receipt_png, DocumentClass.RECEIPT)
    counter.press(Qt.Key.Key_F4)
    counter.camera.remove_document()
    details = counter.case.divorce
    assert details is not None and details.application is not None
    assert details.application.receipt_no == receipt_no(application)
    assert page.receipt.number.text() == receipt_no(application)
    assert "receipt" in [d.document_class for d in counter.case.documents]  # kept for the archive
    assert all(day in page.dates.text for day in ISSUE_WINDOW)

    counter.read_card("groom1", Qt.Key.Key_F2)
    counter.read_card("bride1", Qt.Key.Key_F3)
    counter.press(Qt.Key.Key_F5)  # the 结婚证, to be stamped void and copied
    assert [d.document_class for d in counter.case.documents][-1] == MARRIAGE_CERTIFICATE
    page.interviews[Role.B].remarks.setText("无其他陈述")
    for role, key in ((Role.A, Qt.Key.Key_A), (Role.B, Qt.Key.Key_B)):
        interview = page.interviews[role]
        interview.wishes.setChecked(True)
        interview.agrees.setChecked(True)
        counter.press(key, ALT)
    interviewed = counter.case.divorce
    assert interviewed is not None and interviewed.interview_of(Role.B) is not None
    assert interviewed.interview_of(Role.B).remarks == "无其他陈述"  # type: ignore[union-attr]
    agreement = page.agreement.fields
    agreement["children"].setPlainText("无子女")
    agreement["property"].setPlainText("各自名下财产归各自所有")
    agreement["debts"].setPlainText("无共同债务")
    counter.press(Qt.Key.Key_S, ALT)
    assert counter.case.divorce is not None and counter.case.divorce.agreement is not None

    # F7 / F8 go through the six signatures: the form selector moves on by itself.
    for _form in range(3):
        counter.press(Qt.Key.Key_F7)
        counter.press(Qt.Key.Key_F8)
    assert len(counter.case.form_signatures) == 6
    assert page.rules_box.rules.rule_ids(failed_only=True) == []
    assert page.banner_text == ""

    counter.press(Qt.Key.Key_F12)
    case = counter.case
    assert case.status is CaseStatus.REGISTERED and case.registration is not None
    number = case.registration.certificate_no
    assert number == "L110101-2026-000001"
    assert number in page.certificate.text()

    counter.press(Qt.Key.Key_P, CTRL)
    assert counter.case.status is CaseStatus.ISSUED
    case = counter.case
    for holder in ("A", "B"):
        assert number in squeeze(pdf_text(kept_pdf(case, f"divorce-certificate-{holder}.pdf")))
    assert len(case.printed_forms) == 10
    assert all(case.form_file(name) for name in case.printed_forms)
    # The marriage is dissolved in the central store: the 结婚证 is void.
    record = counter.services.central.record_by_certificate(marriage.registration.certificate_no)
    assert record is not None and record.status == "dissolved"
    groom = marriage.parties[Role.A].identity.person_key
    assert counter.services.central.active_marriage_of(groom) is None
    counter.wait_idle()
    assert [receipt_no(application), "2026-06-02", "2026-07-02", "2026-08-03", "已登记"] in applications_rows(counter)


def test_withdrawal_on_the_last_day_of_the_cooling_off_period(counter: Counter) -> None:
    counter.marry("groom2", "bride2")
    application = counter.apply_for_divorce("groom2", "bride2")
    dates = counter.services.divorce.dates(application)
    assert dates is not None and dates.cooling_off_end == COOLING_OFF_END
    counter.set_day(dates.cooling_off_end)

    counter.press(Qt.Key.Key_D, CTRL_SHIFT)
    page: Any = counter.page(Business.DIVORCE_WITHDRAWAL)
    assert counter.case.business is Business.DIVORCE_WITHDRAWAL
    counter.type_into_focus(receipt_no(application))  # the receipt's number, typed
    counter.press(Qt.Key.Key_Return)
    assert receipt_no(application) in page.record.text
    counter.read_card("bride2", Qt.Key.Key_F2)  # either spouse alone
    counter.press(Qt.Key.Key_F7)
    assert page.rules_box.rules.rule_ids(failed_only=True) == []
    counter.press(Qt.Key.Key_F12)
    assert counter.case.status is CaseStatus.REGISTERED

    counter.press(Qt.Key.Key_P, CTRL)
    text = squeeze(pdf_text(kept_pdf(counter.case, "withdrawal-confirmation.pdf")))
    assert WITHDRAWAL_CONFIRMATION_TITLE in text and "存根联" in text and receipt_no(application) in text
    assert "刘晓燕" in pdf_text(kept_pdf(counter.case, "withdrawal-application.pdf"))
    detail = counter.services.central.divorce_application_by_receipt(receipt_no(application))
    assert detail is not None and detail.record.status == "withdrawn"
    counter.wait_idle()
    assert applications_rows(counter)[0][-1] == "已撤回"


def test_registration_too_early_says_when_to_come_back_and_f12_is_refused(counter: Counter) -> None:
    counter.marry("groom1", "bride1")
    application = counter.apply_for_divorce("groom1", "bride1")
    counter.set_day(FIRST_VISIT + timedelta(days=10))
    counter.window.refresh_applications()
    counter.wait_idle()

    # The pending application in this office's list starts the second visit with its receipt.
    counter.press(Qt.Key.Key_A, CTRL_SHIFT)
    assert counter.window.applications.currentItem() is not None
    counter.press(Qt.Key.Key_Return)
    page: Any = counter.page(Business.DIVORCE_REGISTRATION)
    assert counter.case.business is Business.DIVORCE_REGISTRATION
    assert page.receipt.number.text() == receipt_no(application)

    banner = page.banner_text
    assert "冷静期尚未届满" in banner
    assert f"请于 {ISSUE_WINDOW[0]} 至 {ISSUE_WINDOW[1]} 期间再来" in banner
    assert not counter.window.refuse_button.isEnabled()  # come back later: not a refusal
    counter.read_card("groom1", Qt.Key.Key_F2)
    counter.read_card("bride1", Qt.Key.Key_F3)
    counter.press(Qt.Key.Key_F12, expect_error=True)
    assert counter.error.startswith("[WF-001]") and "冷静期尚未届满" in counter.error
    assert counter.case.registration is None and counter.case.status is CaseStatus.OPEN

    # A paper without a QR code under the camera: a coded error, the case unchanged.
    counter.camera.present_document("joint_photo_couple1")
    counter.press(Qt.Key.Key_F4, expect_error=True)
    counter.camera.remove_document()
    assert counter.error.startswith("[WF-001]") and "二维码" in counter.error


def test_registration_at_another_office_is_refused_with_a_pointer(counter: Counter, other_office: Counter) -> None:
    counter.marry("groom2", "bride2")
    application = counter.apply_for_divorce("groom2", "bride2")
    other_office.set_day(FIRST_VISIT + timedelta(days=31))

    other_office.press(Qt.Key.Key_R, CTRL)
    other_office.type_into_focus(receipt_no(application))
    other_office.press(Qt.Key.Key_Return)
    other_office.read_card("groom2", Qt.Key.Key_F2)
    other_office.read_card("bride2", Qt.Key.Key_F3)
    page: Any = other_office.page(Business.DIVORCE_REGISTRATION)
    assert "须到受理离婚登记申请的婚姻登记机关（110101）办理" in page.banner_text
    assert other_office.window.refuse_button.isEnabled()
    other_office.press(Qt.Key.Key_F12, expect_error=True)
    assert "110101" in other_office.error and other_office.case.registration is None

    other_office.press(Qt.Key.Key_R, CTRL_SHIFT)
    assert other_office.case.status is CaseStatus.REFUSED
    notice = squeeze(pdf_text(kept_pdf(other_office.case, "refusal-notice.pdf")))
    assert NOT_REGISTERED_TITLE in notice and "110101" in notice
    detail = counter.services.central.divorce_application_by_receipt(receipt_no(application))
    assert detail is not None and detail.record.status == "pending"  # still open at the accepting office


def test_this_offices_list_marks_expired_applications_deemed_withdrawn(counter: Counter) -> None:
    counter.marry("groom1", "bride1")
    application = counter.apply_for_divorce("groom1", "bride1")
    counter.window.refresh_applications()
    counter.wait_idle()
    assert applications_rows(counter)[0][-1] == "待办"
    counter.set_day(date(2026, 8, 4))  # the day after the issue window
    counter.window.refresh_applications()
    counter.wait_idle()
    assert applications_rows(counter)[0] == [
        receipt_no(application), "2026-06-02", "2026-07-02", "2026-08-03", "视为撤回"
    ]


def test_an_unfinished_divorce_case_resumes_on_its_page_and_can_be_closed(counter: Counter, qtbot: QtBot) -> None:
    flow = counter.services.divorce
    case = flow.start_case(Business.DIVORCE_APPLICATION)
    flow.record_party(case, Role.A, counter.identity("groom2"))
    restarted = MainWindow(counter.services)  # the counter restarted on the same stores
    restarted.show()
    try:
        qtbot.waitUntil(lambda: not restarted.busy, timeout=10_000)
        assert restarted.case is not None and restarted.case.case_id == case.case_id
        page: Any = restarted.business_pages[Business.DIVORCE_APPLICATION]
        assert restarted.stack.currentWidget() is page and "陈志强" in page.parties[Role.A].text
        assert not restarted.back_button.isVisible() and not restarted.next_button.isVisible()
        restarted.cancel_button.click()
        qtbot.waitUntil(lambda: not restarted.busy, timeout=10_000)
        assert restarted.case.status is CaseStatus.CANCELLED and "未办结" in page.banner_text
    finally:
        restarted.close()
