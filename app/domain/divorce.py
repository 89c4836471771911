"""What a divorce or reissue case holds beyond the parties, documents and signatures
that every counter case has (domain.md §1.3, §4.3, §4.4, §4.6).

Immutable values, stored with the case (app.store) and printed on its forms (ui.print).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime

from app.domain.case import Role


class SignedForm(enum.StrEnum):
    """Forms a party signs on the pad in front of the registrar, besides the marriage
    declaration (MarriageCase.signatures)."""

    DIVORCE_APPLICATION = "divorce_application"  # 离婚登记申请书 (first visit, each party)
    WITHDRAWAL = "divorce_withdrawal"  # 撤回离婚登记申请书 (the withdrawing party)
    INTERVIEW = "interview_record"  # 询问笔录 (second visit, each party, asked separately)
    AGREEMENT = "divorce_agreement"  # 离婚协议书 (second visit, each party)
    DIVORCE_DECLARATION = "divorce_declaration"  # 离婚登记声明书 (second visit, each party)
    REISSUE_DECLARATION = "reissue_declaration"  # 申请补领婚姻登记证声明书


class Finding(enum.StrEnum):
    """A registrar's finding on a question asked at the counter."""

    NOT_RECORDED = "not_recorded"
    CONFIRMED = "confirmed"
    DENIED = "denied"


class CertificateCopies(enum.StrEnum):
    """Which 结婚证 the couple brought to the divorce application (domain.md §4.3 item 1)."""

    BOTH = "both"  # both copies, each scanned
    ONE_LOST = "one_lost"  # one copy scanned, the other party states its loss in writing
    BOTH_LOST = "both_lost"  # written statement and a certified archive copy (查档专用章)


class CertificateKind(enum.StrEnum):
    """The certificate a reissue replaces."""

    MARRIAGE = "J"  # 结婚证 → reissued as BJ…
    DIVORCE = "L"  # 离婚证 → reissued as BL…

    @property
    def label_zh(self) -> str:
        return "结婚证" if self is CertificateKind.MARRIAGE else "离婚证"


# Bar stamp put on the old 结婚证 when the divorce is registered (2015 规范 Art. 59).
MARRIAGE_CERTIFICATE_VOID_NOTE = "双方离婚，证件失效"


@dataclass(frozen=True, slots=True)
class RecordParty:
    role: Role
    person_key: str
    name: str


@dataclass(frozen=True, slots=True)
class MarriageOnRecord:
    """The marriage as the central store holds it, as it was found for this case."""

    certificate_no: str  # J…
    registered_on: date
    office_code: str
    status: str  # 'active' | 'dissolved'
    parties: tuple[RecordParty, ...]
    divorce_certificate_no: str = ""  # L… once dissolved by a divorce registration
    divorce_registered_on: date | None = None
    divorce_office_code: str = ""

    def has_party(self, person_key: str) -> bool:
        return any(p.person_key == person_key for p in self.parties)


@dataclass(frozen=True, slots=True)
class ApplicationOnRecord:
    """The divorce application a case created (first visit) or acts on (withdrawal,
    registration), as last known from the central store."""

    app_uuid: str
    receipt_no: str
    marriage_certificate_no: str
    office_code: str  # the accepting office
    accepted_on: date  # T0
    status: str  # 'pending' | 'withdrawn' | 'registered' | 'deemed_withdrawn'


@dataclass(frozen=True, slots=True)
class Interview:
    """询问笔录 of one party, asked separately (2015 规范 Art. 56(1))."""

    role: Role
    wishes_to_divorce: bool  # 是否自愿离婚
    agrees_with_agreement: bool  # 对离婚协议内容是否无异议、是否自愿签署
    remarks: str  # what else the party said, as the registrar wrote it
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class DivorceAgreement:
    """离婚协议书 as examined at the counter (Civil Code Art. 1076; domain.md §4.4): every
    heading is filled, with "无" said explicitly when there is nothing to arrange."""

    children: str  # 子女抚养（直接抚养方、抚养费、探望）
    property: str  # 财产分割
    debts: str  # 债务处理
    other: str = ""  # 其他（住房、经济帮助等）

    def missing(self) -> list[str]:
        headings = {"子女抚养": self.children, "财产分割": self.property, "债务处理": self.debts}
        return [name for name, value in headings.items() if not value.strip()]


@dataclass(frozen=True, slots=True)
class DivorceDetails:
    """Business facts of a divorce case: application, withdrawal or registration."""

    marriage: MarriageOnRecord | None = None
    application: ApplicationOnRecord | None = None
    # First visit: a pending application of the same marriage found in the central store.
    blocking_application: ApplicationOnRecord | None = None
    # First visit: which 结婚证 were brought (§4.3 item 1).
    certificate_copies: CertificateCopies = CertificateCopies.BOTH
    # First visit, Reg. 2025 Art. 14: both agreed to divorce (1) and both have full civil capacity (2).
    intent_finding: Finding = Finding.NOT_RECORDED
    capacity_finding: Finding = Finding.NOT_RECORDED
    # Withdrawal: the party who withdraws (either alone, Civil Code Art. 1077 ¶1).
    withdrawing_role: Role | None = None
    # Second visit.
    interviews: tuple[Interview, ...] = ()
    agreement: DivorceAgreement | None = None
    marriage_certificate_voided: bool = False  # stamped MARRIAGE_CERTIFICATE_VOID_NOTE
    # The day of the first attempt at the central write: every resend sends it, so a
    # reply lost on the last day of a period cannot move the act past the period.
    submitted_on: date | None = None

    def interview_of(self, role: Role) -> Interview | None:
        return next((i for i in self.interviews if i.role is role), None)


@dataclass(frozen=True, slots=True)
class ReissueDetails:
    """补领婚姻登记证 (Reg. 2025 Art. 21)."""

    certificate_kind: CertificateKind
    record: MarriageOnRecord | None = None  # the marriage the certificate belongs to
    reason: str = "遗失"  # 遗失 | 损毁
    submitted_on: date | None = None  # as DivorceDetails.submitted_on

    @property
    def original_certificate_no(self) -> str:
        if self.record is None:
            return ""
        if self.certificate_kind is CertificateKind.MARRIAGE:
            return self.record.certificate_no
        return self.record.divorce_certificate_no

    @property
    def original_registered_on(self) -> date | None:
        if self.record is None:
            return None
        if self.certificate_kind is CertificateKind.MARRIAGE:
            return self.record.registered_on
        return self.record.divorce_registered_on


# 受理回执单 number: accepting office, T0, and the first 8 hex digits of the application's
# UUID, e.g. 110101-20261130-3F2A9C1B. Known at the counter before the central store
# answers (the UUID is created first), short enough to type when the QR code is torn,
# and unambiguous per office and day (2^32 values).
RECEIPT_NO_PATTERN = re.compile(r"^(\d{6})-(\d{8})-([0-9A-F]{8})$")


def receipt_no_for(app_uuid: str, office_code: str, accepted_on: date) -> str:
    return f"{office_code}-{accepted_on:%Y%m%d}-{app_uuid.replace('-', '')[:8].upper()}"


def parse_receipt_no(text: str) -> tuple[str, date, str] | None:
    """(office_code, accepted_on, lower-case UUID prefix), or None when `text` is not a
    receipt number. Spaces and lower case, as typed, are accepted."""
    match = RECEIPT_NO_PATTERN.match(re.sub(r"\s+", "", text).upper())
    if match is None:
        return None
    office, day, prefix = match.groups()
    try:
        accepted_on = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        return None
    return office, accepted_on, prefix.lower()


def agreement_text(names: tuple[str, str], agreement: DivorceAgreement) -> str:
    """The text both parties sign; its hash binds their signatures (like the marriage
    declaration): a changed clause needs new signatures (re-print, domain.md §4.4)."""
    a, b = names
    return (
        f"{a}与{b}双方自愿离婚，均具有完全民事行为能力，经协商一致，达成如下协议：\n"
        f"一、子女抚养：{agreement.children.strip()}\n"
        f"二、财产分割：{agreement.property.strip()}\n"
        f"三、债务处理：{agreement.debts.strip()}\n"
        f"四、其他：{agreement.other.strip() or '无'}\n"
        "本协议一式三份，双方各执一份，婚姻登记机关存档一份，自双方取得离婚证之日起生效。"
    )
