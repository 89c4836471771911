"""Counters for the workflow tests: a local store, the three workflows on one movable
clock, over a shared real central store (SQLite file or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from app.auth.guard import CounterGuard
from app.auth.session import CounterSession
from app.central.store import CentralStore
from app.config import Config, load_config
from app.domain.case import Business, DeviceMode, MarriageCase, MarriageStep, Role, Voluntariness
from app.domain.divorce import CertificateCopies, DivorceAgreement, Finding, SignedForm
from app.domain.identity import IdentityDocument
from app.policy_data import rules_context
from app.rules.counter_divorce import LOSS_STATEMENT, MARRIAGE_CERTIFICATE
from app.store.local import LocalStore
from app.sync.service import SyncService
from app.workflow.clock import FixedClock
from app.workflow.divorce import DivorceWorkflow
from app.workflow.marriage import MarriageWorkflow
from app.workflow.reissue import ReissueWorkflow
from devices.camera.types import CapturedImage, DocumentClass
from devices.signature_pad.types import PenPoint, SignatureCapture
from tests.app.auth.helpers import NOW, SECRETS, RecordingSink, auth_service
from tests.factories import record_from

AGREEMENT = DivorceAgreement(children="无子女", property="各自名下财产归各自所有", debts="无共同债务")


def at(day: date) -> datetime:
    return datetime.combine(day, time(9, 30), tzinfo=UTC)


def image(document_class: DocumentClass = DocumentClass.MARRIAGE_CERTIFICATE) -> CapturedImage:
    return CapturedImage(b"\x89PNG fake " + document_class.value.encode(), 800, 600, document_class,
                         at(date(2026, 1, 5)), "cam", 300.0)


def pen(name: str) -> SignatureCapture:
    stroke = tuple(PenPoint(float(i), float(i % 7), i * 10, 0.5) for i in range(30))
    return SignatureCapture(name, (stroke,), b"\x89PNG sig", 120, 60, at(date(2026, 1, 5)), "pad")


@dataclass
class Counter:
    store: LocalStore
    clock: FixedClock
    marriage: MarriageWorkflow
    divorce: DivorceWorkflow
    reissue: ReissueWorkflow
    sync: SyncService
    extra: dict[str, object] = field(default_factory=dict)

    def set_day(self, day: date) -> None:
        self.clock.moment = at(day)

    def close(self) -> None:
        self.store.close()


def open_counter(tmp: Path, central: CentralStore, *, office_code: str = "110101", day: date) -> Counter:
    store = LocalStore(f"sqlite:///{tmp / f'counter-{office_code}.sqlite3'}")
    store.open()
    config: Config = load_config(environ={"MARRIAGE_COUNTER_OFFICE__CODE": office_code}, read_system_files=False)
    clock = FixedClock(at(day))
    sync = SyncService(store, central, clock=clock)
    marriage = MarriageWorkflow(store, central, config, clock, DeviceMode.SIMULATED, rules_context(config), sync)
    return Counter(store, clock, marriage, DivorceWorkflow.beside(marriage, central, sync),
                   ReissueWorkflow.beside(marriage, central, sync), sync)


def marry(counter: Counter, groom: IdentityDocument, bride: IdentityDocument) -> MarriageCase:
    flow = counter.marriage
    case = flow.start_case()
    case = flow.record_party(case, Role.A, record_from(groom))
    case = flow.record_party(case, Role.B, record_from(bride))
    case = flow.add_document(case, image(DocumentClass.JOINT_PHOTO), "joint_photo")
    for role in (Role.A, Role.B):
        case = flow.add_signature(case, role, pen(case.parties[role].identity.name))
    case = flow.attest_voluntariness(case, Voluntariness.VOLUNTARY)
    case = flow.go_to(case, MarriageStep.REGISTER)
    return flow.register(case)


def application_ready(counter: Counter, a: IdentityDocument, b: IdentityDocument) -> MarriageCase:
    """A first-visit case with everything captured, one 结婚证 lost."""
    flow = counter.divorce
    case = flow.start_case(Business.DIVORCE_APPLICATION)
    case = flow.record_party(case, Role.A, record_from(a))
    case = flow.record_party(case, Role.B, record_from(b))
    case = flow.set_certificate_copies(case, CertificateCopies.ONE_LOST)
    case = flow.add_document(case, image(), MARRIAGE_CERTIFICATE)
    case = flow.add_document(case, image(DocumentClass.OTHER), LOSS_STATEMENT)
    case = flow.record_findings(case, intent=Finding.CONFIRMED, capacity=Finding.CONFIRMED)
    for role in (Role.A, Role.B):
        case = flow.sign(case, SignedForm.DIVORCE_APPLICATION, role, pen(case.parties[role].identity.name))
    return case


def registration_ready(counter: Counter, receipt_no: str, a: IdentityDocument, b: IdentityDocument) -> MarriageCase:
    """A second-visit case with everything captured (the window is not checked here)."""
    flow = counter.divorce
    case = flow.start_case(Business.DIVORCE_REGISTRATION)
    case = flow.find_application(case, receipt_no)
    case = flow.record_party(case, Role.A, record_from(a))
    case = flow.record_party(case, Role.B, record_from(b))
    case = flow.add_document(case, image(), MARRIAGE_CERTIFICATE)
    case = flow.set_agreement(case, AGREEMENT)
    for role in (Role.A, Role.B):
        case = flow.record_interview(case, role, wishes_to_divorce=True, agrees_with_agreement=True)
    for form in (SignedForm.INTERVIEW, SignedForm.AGREEMENT, SignedForm.DIVORCE_DECLARATION):
        for role in (Role.A, Role.B):
            case = flow.sign(case, form, role, pen(case.parties[role].identity.name))
    return case


def accept_and_register(counter: Counter, a: IdentityDocument, b: IdentityDocument, *, accepted_on: date) -> None:
    """A whole divorce: accepted on `accepted_on`, registered 31 days later."""
    from datetime import timedelta

    counter.set_day(accepted_on)
    accepted = counter.divorce.accept(application_ready(counter, a, b))
    assert accepted.registration is not None
    counter.set_day(accepted_on + timedelta(days=31))
    counter.divorce.register(registration_ready(counter, accepted.registration.certificate_no, a, b))


class FaultyCentral:
    """The real central store behind a network that fails calls on request: `fail[name]`
    raises before the call reaches the store, `lose_reply` (names) after it committed."""

    def __init__(self, real: CentralStore) -> None:
        self.real = real
        self.fail: dict[str, Exception] = {}
        self.lose_reply: set[str] = set()

    def __getattr__(self, name: str) -> object:
        method = getattr(self.real, name)

        def call(*args: object, **kwargs: object) -> object:
            if name in self.fail:
                raise self.fail.pop(name)
            result = method(*args, **kwargs)
            if name in self.lose_reply:
                self.lose_reply.discard(name)
                from app.errors import CentralUnavailableError

                raise CentralUnavailableError(detail="server closed the connection unexpectedly")
            return result

        return call


@dataclass
class GuardedCounter:
    """The workflows behind a guard (operators log in; app/ checks every step)."""

    marriage: MarriageWorkflow
    divorce: DivorceWorkflow
    reissue: ReissueWorkflow
    sessions: CounterSession
    audit: RecordingSink
    store: LocalStore

    def login(self, operator_id: str) -> None:
        self.sessions.login(operator_id, SECRETS[operator_id])


@contextmanager
def guarded_counter(tmp_path: Path, **settings: str) -> Iterator[GuardedCounter]:
    """Office 110101 on real SQLite stores in `tmp_path`; `settings` are configuration
    environment variables without the MARRIAGE_COUNTER_ prefix."""
    local = LocalStore(f"sqlite:///{tmp_path / 'counter.sqlite3'}")
    central = CentralStore(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    local.open()
    central.open()
    environ = {"MARRIAGE_COUNTER_OFFICE__CODE": "110101", **{f"MARRIAGE_COUNTER_{k}": v for k, v in settings.items()}}
    config = load_config(environ=environ, read_system_files=False)
    clock = FixedClock(NOW)
    audit = RecordingSink()
    sessions = CounterSession(auth_service(tmp_path / "data", clock=clock, audit=audit))
    sync = SyncService(local, central, clock=clock)
    marriage = MarriageWorkflow(local, central, config, clock, DeviceMode.SIMULATED, rules_context(config), sync,
                                guard=CounterGuard(sessions, audit))
    try:
        yield GuardedCounter(marriage, DivorceWorkflow.beside(marriage, central, sync),
                             ReissueWorkflow.beside(marriage, central, sync), sessions, audit, local)
    finally:
        local.close()
        central.close()

