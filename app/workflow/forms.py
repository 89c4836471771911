"""The printed forms kept with a case: their PDFs, their export, voided certificate blanks.

Printed forms never land in the clear in the counter's data directory (#10): the PDFs
are rendered in memory, printed, and kept with the case (MarriageCase.form_files, sealed
by the local store) and in its archive package. A registrar who needs them as files
exports them to a folder of their choosing (`export_case_forms`), which is audited.

A certificate printed with an error, or on a blank that was damaged, is voided and
printed again on a new blank (婚姻登记工作规范 2015 Art. 58); voiding needs a
supervisor's approval (ApprovalKind.VOID_BLANK), and only a voided certificate may be
printed again, once per voided blank.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from app.archive.package import ArchivePackage, build_supplement
from app.audit import AuditAction
from app.auth.guard import CounterGuard
from app.auth.model import ApprovalKind, Permission, SupervisorCredentials
from app.domain.case import CaseStatus, FormFile, MarriageCase, MarriageStep, VoidedBlank
from app.errors import AppError, OutputError, WorkflowError
from app.workflow.access import approving_supervisor

log = logging.getLogger(__name__)

REFUSAL_NOTICE = "refusal-notice.pdf"
# The certificates the counter prints on numbered blanks (结婚证, 离婚证, a reissued one).
_CERTIFICATE = re.compile(r"(?:certificate|divorce-certificate)-[AB]\.pdf|reissued-certificate\.pdf")


def is_certificate(form: str) -> bool:
    return _CERTIFICATE.fullmatch(form) is not None


def printed_certificates(case: MarriageCase) -> tuple[str, ...]:
    """The certificates printed for an issued case, in printing order."""
    if case.status is not CaseStatus.ISSUED:
        return ()
    return tuple(form for form in case.printed_forms if is_certificate(form))


def with_form_files(case: MarriageCase, files: Mapping[str, bytes]) -> MarriageCase:
    """The case keeping `files` (name → PDF), replacing older PDFs of the same names."""
    for name in files:
        if not name or Path(name).name != name:
            raise ValueError(f"form file name {name!r} is not a plain file name")
    kept = [f for f in case.form_files if f.name not in files]
    kept += [FormFile(name, bytes(pdf)) for name, pdf in files.items()]
    # By name, the order the local store reads them back in: a case read back equals the one saved.
    return replace(case, form_files=tuple(sorted(kept, key=lambda f: f.name)))


def with_refusal_notice(case: MarriageCase, pdf: bytes) -> MarriageCase:
    """A refused case keeping its notice (不予受理/不予办理 …): the first one printed is
    the one handed over, so a notice kept already is not replaced."""
    if case.status is not CaseStatus.REFUSED:
        raise WorkflowError(reason=f"案件状态为 {case.status.value}，只有不予办理的案件才有不予办理通知书")
    if not pdf:
        raise WorkflowError(reason="不予办理通知书内容为空")
    if case.form_file(REFUSAL_NOTICE) is not None:
        return case
    return with_form_files(case, {REFUSAL_NOTICE: pdf})


def check_not_issued(case: MarriageCase) -> None:
    """Forms are issued once: a certificate printed again needs its blank voided with a
    supervisor's approval first (void_blank, then the reprint)."""
    if case.status in (CaseStatus.ISSUED, CaseStatus.REFUSED, CaseStatus.CANCELLED):
        raise WorkflowError(reason=f"案件状态为 {case.status.value}，文书已出具或案件已结束；"
                                   "证书打印有误须经主管批准作废空白证书后重新打印")


def as_issued(
    case: MarriageCase, forms: tuple[str, ...], form_files: Mapping[str, bytes], now: datetime
) -> MarriageCase:
    """The case closed as issued with the forms printed, their PDFs kept (mark_issued of
    every business: a case is issued once, see check_not_issued)."""
    check_not_issued(case)
    printed = tuple(dict.fromkeys((*case.printed_forms, *forms)))
    return replace(with_form_files(case, form_files), printed_forms=printed, status=CaseStatus.ISSUED,
                   step=MarriageStep.DONE, updated_at=now)


def check_void_request(case: MarriageCase, form: str, reason: str) -> None:
    """What voiding a certificate blank needs before a supervisor is asked: an issued case,
    a certificate it printed, a reason, and no earlier voided blank of it still waiting
    for its reprint."""
    if case.status is not CaseStatus.ISSUED:
        raise WorkflowError(reason="只有已发证的案件才能作废已打印的证书")
    if form not in printed_certificates(case):
        raise WorkflowError(reason=f"本案件没有打印过证书 {form}")
    if not reason.strip():
        raise WorkflowError(reason="作废证书须写明理由")
    if pending_reprint(case, form) is not None:
        raise WorkflowError(reason=f"证书 {form} 已作废一张，请先重新打印")


def with_voided_blank(
    case: MarriageCase, form: str, print_no: str, reason: str, supervisor: str, supervisor_id: str, now: datetime
) -> MarriageCase:
    blank = VoidedBlank(form, print_no.strip(), reason.strip(), supervisor, supervisor_id, now)
    return replace(case, voided_blanks=(*case.voided_blanks, blank))


def pending_reprint(case: MarriageCase, form: str) -> VoidedBlank | None:
    """The voided blank of `form` not yet replaced by a reprint, if any."""
    return next((b for b in case.voided_blanks if b.form == form and b.reprinted_at is None), None)


def with_reprint(case: MarriageCase, form: str, pdf: bytes, now: datetime) -> MarriageCase:
    """The case after `form` was printed again on a new blank: its PDF replaced, the voided
    blank marked as reprinted. Refused unless that certificate's blank was voided."""
    blank = pending_reprint(case, form)
    if case.status is not CaseStatus.ISSUED or blank is None:
        raise WorkflowError(reason=f"证书 {form} 没有作废的空白证书待重新打印，不能重新打印")
    if not pdf:
        raise WorkflowError(reason="重新打印的证书内容为空")
    blanks = tuple(replace(b, reprinted_at=now) if b is blank else b for b in case.voided_blanks)
    return replace(with_form_files(case, {form: pdf}), voided_blanks=blanks)


def reprint_supplement(case: MarriageCase, form: str) -> ArchivePackage:
    """The archive supplement of a reprint (`with_reprint` done): the voided blank's record
    (certificate, 印制号, reason, approving supervisor, times) and the certificate as
    printed again. Numbered by the reprints so far, so each one is a supplement of its own."""
    reprinted = [b for b in case.voided_blanks if b.reprinted_at is not None]
    blank = next(b for b in reversed(reprinted) if b.form == form)
    pdf = case.form_file(form)
    assert pdf is not None and blank.reprinted_at is not None  # with_reprint kept both
    record = {
        "form": blank.form, "print_no": blank.print_no, "reason": blank.reason, "supervisor": blank.supervisor,
        "supervisor_id": blank.supervisor_id, "voided_at": blank.voided_at.isoformat(),
        "reprinted_at": blank.reprinted_at.isoformat(),
    }
    voided = json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    return build_supplement(case, len(reprinted), {"voided-blank.json": voided, f"forms/{form}": pdf})


def export_case_forms(
    guard: CounterGuard | None, case: MarriageCase, folder: Path, *, data_dir: Path | None = None
) -> list[Path]:
    """Writes the case's kept PDFs into `folder` (created if missing) for a registrar who
    asked for them; returns the files written. Personal data leaving the store: the
    operator needs Permission.REGISTER (this office, valid training: the people who may
    print them), the EXPORT is audited before anything is written (an audit trail that
    cannot record refuses the export), and never into the counter's `data_dir`, which
    holds no personal data in the clear."""
    if guard is not None:
        guard.require(Permission.REGISTER, action="export_forms", case_id=case.case_id)
    if data_dir is not None and folder.resolve().is_relative_to(data_dir.resolve()):
        raise WorkflowError(reason=f"不能导出到柜台数据目录 {data_dir}（其中不得保存明文个人信息），请另选文件夹")
    if not case.form_files:
        raise WorkflowError(reason="此案件没有保存的已打印文书，无法导出")
    names = ",".join(f.name.removesuffix(".pdf") for f in case.form_files)  # form names only
    if guard is not None:
        guard.record(AuditAction.EXPORT, case_id=case.case_id, detail=f"pdf {names}")
    written: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for form in case.form_files:
            target = folder / Path(form.name).name
            target.write_bytes(form.pdf)
            written.append(target)
    except OSError as error:
        raise OutputError(detail=f"{folder}: {error.strerror or error}") from error
    return written


class _CaseStore(Protocol):
    def load_case(self, case_id: str) -> MarriageCase | None: ...

    def save_case(self, case: MarriageCase) -> None: ...


def absorb_legacy_output(store: _CaseStore, folder: Path, shred: Callable[[Path], bool]) -> list[str]:
    """Versions before #10 wrote every printed form in the clear to `<data_dir>/output/
    <case_id>/*.pdf`. On the first start of this version each such PDF is taken into its
    case (sealed like the forms printed now; a form the case keeps already is not
    replaced), then overwritten and deleted (`shred`). Files of a case that is not in the
    local store are left where they are and named in the log for IT. Returns the case ids
    whose folders were emptied. No personal data is logged: case ids and file names only.
    """
    if not folder.is_dir():
        return []
    absorbed: list[str] = []
    for case_folder in sorted(p for p in folder.iterdir() if p.is_dir()):
        pdfs = sorted(case_folder.glob("*.pdf"))
        try:
            case = store.load_case(case_folder.name) if pdfs else None
            if pdfs and case is None:
                log.error("%d printed form(s) in %s belong to no case of the local store: left in the clear for IT",
                          len(pdfs), case_folder)
                continue
            if case is not None:
                new = {pdf.name: pdf.read_bytes() for pdf in pdfs if case.form_file(pdf.name) is None}
                if new:
                    store.save_case(with_form_files(case, new))
        except (AppError, OSError, ValueError) as error:  # this case's files stay; the next folders go on
            log.error("printed forms in %s not taken into the store: %s", case_folder, error)
            continue
        if all(shred(pdf) for pdf in pdfs):
            try:
                case_folder.rmdir()
            except OSError as error:  # another file in it: left, and said
                log.warning("%s not removed: %s", case_folder, error.strerror or error)
                continue
            absorbed.append(case_folder.name)
    if absorbed:
        log.info("printed forms of %d case(s) taken from %s into the encrypted store", len(absorbed), folder)
    with contextlib.suppress(OSError):  # not empty: what is left was logged above
        folder.rmdir()
    return absorbed


def void_blank(
    guard: CounterGuard | None, save: Callable[[MarriageCase], MarriageCase], now: Callable[[], datetime],
    case: MarriageCase, form_name: str, print_no: str, reason: str, supervisor: SupervisorCredentials | str,
) -> MarriageCase:
    """MarriageWorkflow/BusinessWorkflow.void_printed_blank: checked before the supervisor
    authenticates, audited as their APPROVAL (naming the form, never personal data) once
    saved."""
    check_void_request(case, form_name, reason)
    name, supervisor_id, operator = approving_supervisor(guard, supervisor, ApprovalKind.VOID_BLANK,
                                                         case_id=case.case_id)
    saved = save(with_voided_blank(case, form_name, print_no, reason, name, supervisor_id, now()))
    if operator is not None and guard is not None:
        guard.approved(operator, ApprovalKind.VOID_BLANK, case_id=case.case_id, detail=f"form={form_name}")
    log.info("case %s: the blank of %s voided", case.case_id, form_name)
    return saved
