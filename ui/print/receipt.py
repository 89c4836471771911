"""The 离婚登记申请受理回执单 (domain.md §1.3, §4.4): the paper the couple takes home
when a divorce application is accepted, and brings back to withdraw or to collect.

The fields of the official blank are unconfirmed (domain.md §4.4), so this is a plain
A5 proposal laid out as data like every other form. It prints the computed period ends
so nobody has to count 30 days against the holiday calendar, and a QR code of the
receipt number so the second visit finds the case by scanning, not by typing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.case import Business, MarriageCase, Role
from ui.print.forms import OfficeInfo, format_date_zh
from ui.print.layout import Align, FormDocument, Item, LineItem, Page, QrItem, TextItem

RECEIPT_TITLE = "离婚登记申请受理回执单"
A5_MM: tuple[float, float] = (148.0, 210.0)
# About 30 mm: large enough for a phone or a counter scanner held at arm's length, and a
# short receipt number keeps its modules near 1 mm (version 1-2 with quiet zone).
RECEIPT_QR_MM = 30.0

_MARGIN = 12.0
_WIDTH = A5_MM[0] - 2 * _MARGIN
_BODY_PT = 10.5


@dataclass(frozen=True)
class DivorceReceipt:
    receipt_no: str
    office_name: str
    parties: tuple[tuple[str, str], ...]  # (name, masked ID number), both applicants
    accepted_on: date  # T0: the day the application was received
    cooling_off_end: date  # last day on which either party may withdraw
    issue_window_start: date
    issue_window_end: date

    def __post_init__(self) -> None:
        # A receipt with a wrong date misleads the couple about a statutory deadline;
        # refusing to build it is better than printing it.
        if not self.receipt_no.strip():
            raise ValueError("the receipt needs a receipt number")
        if len(self.parties) != 2:
            raise ValueError(f"a divorce application has two parties, got {len(self.parties)}")
        if not self.accepted_on < self.cooling_off_end < self.issue_window_start <= self.issue_window_end:
            raise ValueError(
                "dates must satisfy accepted_on < cooling_off_end < issue_window_start <= issue_window_end"
            )


def divorce_receipt_for(
    case: MarriageCase,
    office: OfficeInfo,
    cooling_off_end: date,
    issue_window_start: date,
    issue_window_end: date,
) -> DivorceReceipt:
    """The receipt of an accepted divorce application case; the period ends come from the
    rules engine (domain.md §1.3), which owns the holiday calendar.

    The receipt number and T0 are the application's as recorded (case.divorce.application),
    else those the central store acknowledged (registration.certificate_no/registered_on).
    ID numbers are masked: the couple carries this paper around.
    """
    parties = [case.parties.get(Role.A), case.parties.get(Role.B)]
    if parties[0] is None or parties[1] is None:
        raise ValueError(f"case {case.case_id}: both parties' identity documents must be read before printing")
    application = case.divorce.application if case.divorce is not None else None
    if application is not None:
        receipt_no, accepted_on = application.receipt_no, application.accepted_on
    elif case.business is Business.DIVORCE_APPLICATION and case.registration is not None:
        receipt_no, accepted_on = case.registration.certificate_no, case.registration.registered_on
    else:
        raise ValueError(f"case {case.case_id}: the divorce application is not accepted yet; no receipt number")
    return DivorceReceipt(
        receipt_no=receipt_no,
        office_name=office.name,
        parties=tuple((p.identity.name, p.identity.masked_number) for p in parties if p is not None),
        accepted_on=accepted_on,
        cooling_off_end=cooling_off_end,
        issue_window_start=issue_window_start,
        issue_window_end=issue_window_end,
    )


def cooling_off_notice(receipt: DivorceReceipt) -> str:
    return (
        f"离婚冷静期至 {format_date_zh(receipt.cooling_off_end)}（含当日），"
        "冷静期内任何一方可向本机关撤回申请"
    )


def issue_window_notice(receipt: DivorceReceipt) -> str:
    return (
        f"请双方于 {format_date_zh(receipt.issue_window_start)} 至 {format_date_zh(receipt.issue_window_end)} "
        "期间共同到本机关申请发给离婚证，逾期未申请的，视为撤回离婚登记申请（《婚姻登记条例》第十六条）"
    )


def divorce_receipt_form(receipt: DivorceReceipt) -> FormDocument:
    """The receipt on one A5 page (148 × 210 mm), QR code of the receipt number top right."""
    left = _MARGIN
    qr_x = A5_MM[0] - _MARGIN - RECEIPT_QR_MM
    # Header fields run beside the QR code, so they stop short of it.
    header_w = qr_x - left - 4.0
    items: list[Item] = [
        TextItem(left, 12.0, _WIDTH, 10.0, RECEIPT_TITLE, 18.0, bold=True, align=Align.CENTER),
        LineItem(left, 24.0, A5_MM[0] - _MARGIN, 24.0, width_mm=0.4),
        TextItem(left, 30.0, header_w, 7.0, f"回执编号：{receipt.receipt_no}", _BODY_PT, bold=True),
        TextItem(left, 39.0, header_w, 7.0, f"受理日期：{format_date_zh(receipt.accepted_on)}", _BODY_PT),
        TextItem(left, 48.0, header_w, 7.0, f"受理机关：{receipt.office_name}", _BODY_PT),
        QrItem(qr_x, 27.0, RECEIPT_QR_MM, receipt.receipt_no),
        TextItem(qr_x, 57.5, RECEIPT_QR_MM, 4.0, "回执编号二维码", 7.0, align=Align.CENTER),
        TextItem(left, 66.0, _WIDTH, 7.0, "申请人：", _BODY_PT, bold=True),
    ]
    y = 74.0
    for name, masked_id in receipt.parties:
        items.append(TextItem(left + 6.0, y, 40.0, 7.0, f"姓名：{name}", _BODY_PT))
        items.append(TextItem(left + 48.0, y, _WIDTH - 48.0, 7.0, f"身份证件号码：{masked_id}", _BODY_PT))
        y += 8.0
    y += 4.0
    items.append(LineItem(left, y, A5_MM[0] - _MARGIN, y, dashed=True))
    y += 5.0
    items.append(TextItem(left, y, _WIDTH, 14.0, cooling_off_notice(receipt), _BODY_PT, wrap=True))
    y += 16.0
    items.append(TextItem(left, y, _WIDTH, 20.0, issue_window_notice(receipt), _BODY_PT, wrap=True))
    y += 22.0
    items.append(
        TextItem(
            left,
            y,
            _WIDTH,
            14.0,
            "撤回申请或申请发给离婚证时，请携带本回执及本人有效身份证件，由本人亲自到本机关办理。",
            9.0,
            wrap=True,
        )
    )
    # Signature block: the office's seal goes on by hand, so only its place is printed.
    items.append(TextItem(left, 170.0, _WIDTH, 7.0, receipt.office_name, _BODY_PT, align=Align.RIGHT))
    items.append(TextItem(left, 178.0, _WIDTH, 7.0, "（婚姻登记专用章）", _BODY_PT, align=Align.RIGHT))
    items.append(
        TextItem(left, 186.0, _WIDTH, 7.0, format_date_zh(receipt.accepted_on), _BODY_PT, align=Align.RIGHT)
    )
    return FormDocument(f"{RECEIPT_TITLE} {receipt.receipt_no}", [Page(A5_MM, items)])
