"""补领婚姻登记证 (Reg. 2025 Art. 21; domain.md §4.6): only while the status the
certificate shows is still the person's status."""

from __future__ import annotations

from app.domain.case import Role
from app.rules.model import Applicant, CentralMaritalStatus, CertificateKind
from app.rules.results import Consequence, RuleResult

_SHOWN = {
    CertificateKind.MARRIAGE: CentralMaritalStatus.MARRIED,
    CertificateKind.DIVORCE: CentralMaritalStatus.DIVORCED,
}
_LABEL = {CertificateKind.MARRIAGE: "结婚证", CertificateKind.DIVORCE: "离婚证"}


def check_reissue(applicant: Applicant, role: Role | None, certificate: CertificateKind) -> RuleResult:
    name, label = applicant.document.name, _LABEL[certificate]
    if applicant.marital_status is None:
        return RuleResult("C-R-REISSUE", False, f"尚未完成{name}的婚姻档案核对", role, Consequence.PENDING)
    if applicant.marital_status is _SHOWN[certificate]:
        return RuleResult("C-R-REISSUE", True, f"档案核对：{name}的婚姻状况与原{label}一致，可以补领", role)
    return RuleResult(
        "C-R-REISSUE",
        False,
        f"{name}的婚姻状况已变化（现为{applicant.marital_status.label_zh}），不能补领{label}；可申请婚姻登记档案查询",
        role,
        Consequence.REFUSE,
    )
