"""补领婚姻登记证 through the real GUI: a 结婚证 reissued to a married party (BJ…), and
a 结婚证 refused because the marriage was dissolved by a divorce since."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import Qt

from app.domain.case import Business, CaseStatus, Role
from app.domain.divorce import CertificateKind
from app.rules.counter_divorce import JOINT_PHOTO
from tests.ui.conftest import FIRST_VISIT, Counter, kept_pdf, pdf_text
from ui.pages.reissue import REISSUE_REFUSAL_TITLE

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_reissue_of_a_marriage_certificate(counter: Counter) -> None:
    marriage = counter.marry("groom2", "bride2")
    assert marriage.registration is not None
    original = marriage.registration.certificate_no

    counter.press(Qt.Key.Key_B, CTRL)
    page: Any = counter.page(Business.REISSUE)
    assert counter.case.business is Business.REISSUE
    assert counter.window.stack.currentWidget() is counter.page(Business.REISSUE)
    counter.read_card("bride2", Qt.Key.Key_F2)
    assert original in page.record.text and "刘晓燕" in page.party.text
    assert "5101**********0286" in page.party.text
    counter.press(Qt.Key.Key_E, ALT)
    counter.press(Qt.Key.Key_Down)  # reason: 损毁
    reissue = counter.case.reissue
    assert reissue is not None and reissue.reason == "损毁"
    assert reissue.certificate_kind is CertificateKind.MARRIAGE
    counter.press(Qt.Key.Key_F5)  # the joint photo, for a 结婚证
    assert [d.document_class for d in counter.case.documents] == [JOINT_PHOTO]
    counter.press(Qt.Key.Key_F7)
    assert page.rules_box.rules.rule_ids(failed_only=True) == []
    assert not counter.window.refuse_button.isEnabled()

    counter.press(Qt.Key.Key_F12)
    case = counter.case
    assert case.status is CaseStatus.REGISTERED and case.registration is not None
    number = case.registration.certificate_no
    assert number == f"BJ110101-{FIRST_VISIT.year}-000001"
    assert number in page.outcome.text()

    counter.press(Qt.Key.Key_P, CTRL)
    assert counter.case.status is CaseStatus.ISSUED
    case = counter.case
    certificate = squeeze(pdf_text(kept_pdf(case, "reissued-certificate.pdf")))
    assert number in certificate and original in certificate
    assert "刘晓燕" in squeeze(pdf_text(kept_pdf(case, "reissue-declaration.pdf")))
    assert number in squeeze(pdf_text(kept_pdf(case, "reissue-review-form.pdf")))


def test_no_marriage_certificate_is_reissued_after_the_divorce(counter: Counter) -> None:
    marriage = counter.marry("groom1", "bride1")
    assert marriage.registration is not None
    application = counter.apply_for_divorce("groom1", "bride1")
    counter.set_day(FIRST_VISIT + timedelta(days=31))
    divorce = counter.register_divorce(application, "groom1", "bride1")
    assert divorce.registration is not None

    counter.press(Qt.Key.Key_B, CTRL)
    page: Any = counter.page(Business.REISSUE)
    counter.read_card("groom1", Qt.Key.Key_F2)
    assert divorce.registration.certificate_no in page.record.text  # the archive shows the divorce
    banner = page.banner_text
    assert "不能补领结婚证" in banner
    assert "C-R-REISSUE" in page.rules_box.rules.rule_ids(failed_only=True)
    assert counter.window.refuse_button.isEnabled()
    counter.press(Qt.Key.Key_F12, expect_error=True)
    assert counter.error.startswith("[WF-001]") and counter.case.registration is None

    counter.press(Qt.Key.Key_R, CTRL_SHIFT)
    assert counter.case.status is CaseStatus.REFUSED
    assert "不能补领结婚证" in page.banner_text
    notice = squeeze(pdf_text(kept_pdf(counter.case, "refusal-notice.pdf")))
    stored = counter.services.store.load_case(counter.case.case_id)  # kept with the refused case, sealed
    assert stored is not None and stored.form_file("refusal-notice.pdf") == kept_pdf(counter.case, "refusal-notice.pdf")
    assert not (counter.services.config.data_dir / "output").exists()
    assert REISSUE_REFUSAL_TITLE in notice and "不能补领结婚证" in notice and "李明轩" in notice
    assert counter.case.parties[Role.A].identity.name == "李明轩"
