"""Login, lockout, the offline cache, the second factor and the permission rules
(app.auth.service), with an injectable clock and a recording audit sink."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.audit import AuditAction
from app.auth.errors import (
    LockedOutError,
    RoleNotAllowedError,
    SecondFactorError,
    TrainingExpiredError,
    WrongCredentialsError,
)
from app.auth.model import Account, Operator, OperatorRole, Permission
from app.auth.second_factor import SimSecondFactor, UnavailableSecondFactor, second_factor_from_spec
from app.auth.secrets import hash_secret
from app.auth.service import BUILTIN_QA_ID, SIMULATED_SECRETS, check_permission
from app.auth.store import CACHE_FILE, LOCKOUT_FILE
from app.workflow.clock import FixedClock
from devices.sim.scenario import SecondFactorSpec, SecondFactorTokenSpec
from tests.app.auth.helpers import (
    CHEAP,
    IT,
    LAPSED,
    NOW,
    OFFICE,
    SECRETS,
    WANG,
    ZHOU,
    Directory,
    RecordingSink,
    account,
    auth_service,
)


def test_login_with_the_right_secret_opens_a_session(tmp_path: Path) -> None:
    audit = RecordingSink()
    session = auth_service(tmp_path, audit=audit).login("wang", SECRETS["wang"])
    assert session.operator == WANG and session.started_at == NOW and not session.automatic
    assert audit.actions() == [(AuditAction.LOGIN, "wang", "registrar")]


def test_a_wrong_secret_and_an_unknown_operator_get_the_same_answer(tmp_path: Path) -> None:
    audit = RecordingSink()
    auth = auth_service(tmp_path, audit=audit)
    with pytest.raises(WrongCredentialsError) as wrong_secret:
        auth.login("wang", "not-the-secret")
    with pytest.raises(WrongCredentialsError) as unknown:
        auth.login("nobody-here", SECRETS["wang"])
    assert str(wrong_secret.value) == str(unknown.value) == "[AUTH-001] The operator ID or the secret is wrong."
    # Audited; an id that is no account is not written down (it may be a mistyped secret).
    assert audit.actions() == [(AuditAction.LOGIN_FAILED, "wang", "login AUTH-001"),
                               (AuditAction.LOGIN_FAILED, "(unknown)", "login AUTH-001")]


def test_a_deactivated_account_cannot_log_in(tmp_path: Path) -> None:
    auth = auth_service(tmp_path, cached=())
    auth.cache.replace([account(replace(WANG, active=False))], NOW)
    with pytest.raises(WrongCredentialsError):
        auth.login("wang", SECRETS["wang"])


def test_lockout_after_max_failures_then_it_expires(tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    audit = RecordingSink()
    auth = auth_service(tmp_path, clock=clock, audit=audit, max_failures=3, lockout_minutes=15)
    for _ in range(2):
        with pytest.raises(WrongCredentialsError):
            auth.login("wang", "guess")
        clock.moment += timedelta(minutes=1)
    with pytest.raises(LockedOutError) as third:  # the third failure within the window locks
        auth.login("wang", "guess")
    until = NOW + timedelta(minutes=2 + 15)
    assert f"until {until:%H:%M}" in str(third.value) and third.value.code == "AUTH-002"
    assert (AuditAction.LOCKED_OUT, "wang", f"until {until.isoformat(timespec='minutes')}") in audit.actions()
    clock.moment = until - timedelta(seconds=1)
    with pytest.raises(LockedOutError):  # even the right secret, while locked
        auth.login("wang", SECRETS["wang"])
    auth.login("zhou", SECRETS["zhou"])  # another operator is not affected
    clock.moment = until
    assert auth.login("wang", SECRETS["wang"]).operator == WANG  # expired


def test_failures_outside_the_window_do_not_add_up(tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    auth = auth_service(tmp_path, clock=clock, max_failures=2, lockout_minutes=10)
    with pytest.raises(WrongCredentialsError):
        auth.login("wang", "guess")
    clock.moment += timedelta(minutes=11)
    with pytest.raises(WrongCredentialsError):  # the first one is out of the window
        auth.login("wang", "guess")
    auth.login("wang", SECRETS["wang"])  # a success clears the count
    clock.moment += timedelta(minutes=1)
    with pytest.raises(WrongCredentialsError):
        auth.login("wang", "guess")


def test_a_lockout_survives_a_restart_of_the_counter(tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    auth = auth_service(tmp_path, clock=clock, max_failures=2)
    for _ in range(2):
        with pytest.raises((WrongCredentialsError, LockedOutError)):
            auth.login("wang", "guess")
    restarted = auth_service(tmp_path, clock=clock, max_failures=2)  # a new process reads the file
    with pytest.raises(LockedOutError):
        restarted.login("wang", SECRETS["wang"])
    stored = json.loads((tmp_path / LOCKOUT_FILE).read_text(encoding="utf-8"))
    assert list(stored["operators"]) == ["wang"] and "guess" not in json.dumps(stored)
    assert oct((tmp_path / LOCKOUT_FILE).stat().st_mode & 0o777) == "0o600"


def test_unknown_ids_lock_too_and_are_kept_only_as_keyed_hashes(tmp_path: Path) -> None:
    key = bytes(range(32))
    auth = auth_service(tmp_path, max_failures=2, lockout_secret=key)
    with pytest.raises(WrongCredentialsError):
        auth.login("probe", "x")
    with pytest.raises(LockedOutError):  # a locked answer does not tell whether an id exists
        auth.login("probe", "x")
    with pytest.raises(WrongCredentialsError):  # another unknown id has its own count
        auth.login("other-probe", "x")
    stored = json.loads((tmp_path / LOCKOUT_FILE).read_text(encoding="utf-8"))["operators"]
    expected = {"unknown:" + hmac.new(key, name, "sha256").hexdigest()[:32] for name in (b"probe", b"other-probe")}
    assert set(stored) == expected
    # Not the plain SHA-256 of what was typed: the file alone does not let anyone test guesses.
    text = json.dumps(stored)
    assert "probe" not in text and hashlib.sha256(b"probe").hexdigest()[:16] not in text


def test_without_the_lockout_key_unknown_ids_share_one_entry(tmp_path: Path) -> None:
    auth = auth_service(tmp_path, max_failures=2)
    with pytest.raises(WrongCredentialsError):
        auth.login("probe", "x")
    with pytest.raises(LockedOutError):
        auth.login("another-probe", "x")
    stored = json.loads((tmp_path / LOCKOUT_FILE).read_text(encoding="utf-8"))["operators"]
    assert list(stored) == ["unknown"]
    assert auth.login("wang", SECRETS["wang"]).operator == WANG  # accounts keep their own count


def test_an_account_that_arrives_with_a_refresh_is_still_locked(tmp_path: Path) -> None:
    # wang's id was locked at this counter, then dropped from the cache (a refresh while
    # the account was briefly inactive); now it comes back with the refresh at login.
    audit = RecordingSink()
    directory = Directory([account(WANG)])
    auth = auth_service(tmp_path, audit=audit, directory=directory, cached=(), max_failures=1, lockout_minutes=15)
    assert auth.lockouts.failed("wang", NOW) == NOW + timedelta(minutes=15)
    with pytest.raises(LockedOutError):
        auth.login("wang", SECRETS["wang"])  # the right secret, but the id is locked
    assert directory.calls == 1 and auth.account("wang") is not None  # the refresh did bring it
    assert audit.actions() == [(AuditAction.LOGIN_FAILED, "wang", "login AUTH-002")]
    assert json.loads((tmp_path / LOCKOUT_FILE).read_text(encoding="utf-8"))["operators"]["wang"]["locked_until"]


@pytest.mark.parametrize("damage", ["{not json", '{"version": 1, "operators": ["wang"]}',
                                    '{"version": 1, "operators": "wang"}', '[1]'])
def test_a_damaged_lockout_file_is_set_aside(tmp_path: Path, damage: str) -> None:
    (tmp_path / LOCKOUT_FILE).write_text(damage, encoding="utf-8")
    auth = auth_service(tmp_path)
    assert auth.login("wang", SECRETS["wang"]).operator == WANG
    assert (tmp_path / (LOCKOUT_FILE + ".damaged")).exists()
    with pytest.raises(WrongCredentialsError):  # and counting works again
        auth.login("wang", "guess")


@pytest.mark.parametrize(
    "damage",
    [
        {"refreshed_at": "yesterday"},  # not an ISO date
        {"refreshed_at": 20261130},
        {"operators": {"wang": "x"}},  # not a list
        {"operators": 3},
        {"operators": ["wang", 3, None]},  # entries that are not objects are skipped
    ],
)
def test_a_damaged_cache_is_treated_as_empty_and_refreshed(
    tmp_path: Path, damage: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    document = {"version": 1, "refreshed_at": NOW.isoformat(), "operators": [], **damage}
    (tmp_path / CACHE_FILE).write_text(json.dumps(document), encoding="utf-8")
    directory = Directory([account(WANG)])
    auth = auth_service(tmp_path, directory=directory, cached=())
    assert auth.operators() == []  # no traceback: an empty cache
    assert auth.login("wang", SECRETS["wang"]).operator == WANG  # found by the refresh at login
    assert directory.calls == 1 and auth.cache.refreshed_at == NOW
    assert [o.operator_id for o in auth_service(tmp_path, cached=()).operators()] == ["wang"]  # rewritten
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "王登记员" not in logged and SECRETS["wang"] not in logged and "$scrypt$" not in logged


def test_the_cache_holds_no_secret_and_refreshes_when_an_account_is_new(tmp_path: Path) -> None:
    directory = Directory([account(WANG)])
    auth = auth_service(tmp_path, directory=directory, cached=())
    assert auth.refresh() == 1
    cached = (tmp_path / CACHE_FILE).read_text(encoding="utf-8")
    assert "$scrypt$" in cached and SECRETS["wang"] not in cached
    assert set(json.loads(cached)["operators"][0]) == {
        "operator_id", "name", "office_code", "role", "training_valid_until", "active", "secret_hash"}
    directory.accounts.append(account(ZHOU))  # IT adds a supervisor centrally
    auth._last_refresh = None  # the counter last refreshed long ago
    assert auth.login("zhou", SECRETS["zhou"]).operator == ZHOU  # found by a refresh at login
    assert directory.calls == 2


def test_offline_the_cache_alone_unlocks(tmp_path: Path) -> None:
    class Unreachable:
        def operators_for_counter(self, office_code: str) -> list[object]:
            from app.errors import CentralUnavailableError

            raise CentralUnavailableError(detail="network down")

    auth = auth_service(tmp_path, directory=Unreachable())  # type: ignore[arg-type]
    assert auth.login("wang", SECRETS["wang"]).operator == WANG
    with pytest.raises(WrongCredentialsError):
        auth.login("wang", "guess")  # the refresh failed quietly; the answer is the same


def test_only_the_counters_office_and_it_are_cached(tmp_path: Path) -> None:
    other = Account(Operator("li", "李登记员", "110102", OperatorRole.REGISTRAR, date(2027, 1, 1)),
                    hash_secret("li-secret-001", CHEAP))
    auth = auth_service(tmp_path, directory=Directory([account(WANG), other, account(IT)]), cached=())
    auth.refresh()
    assert [o.operator_id for o in auth.operators()] == ["it", "wang"]


# --- the second factor ---------------------------------------------------------------------


def keys() -> SimSecondFactor:
    return SimSecondFactor(SecondFactorSpec(tokens=[
        SecondFactorTokenSpec(serial="KEY-1", operator_id="wang", pin="1234"),
        SecondFactorTokenSpec(serial="KEY-2", operator_id="zhou", pin="5678"),
    ], inserted="KEY-1"))


def test_the_second_factor_is_required_when_configured(tmp_path: Path) -> None:
    audit = RecordingSink()
    token = keys()
    auth = auth_service(tmp_path, audit=audit, second_factor=token)
    assert auth.second_factor_required
    with pytest.raises(SecondFactorError, match="PIN"):
        auth.login("wang", SECRETS["wang"])  # no PIN
    with pytest.raises(SecondFactorError, match="PIN"):
        auth.login("wang", SECRETS["wang"], "0000")
    with pytest.raises(SecondFactorError, match="another operator"):
        auth.login("zhou", SECRETS["zhou"], "5678")  # KEY-1 (wang's) is in the port
    token.insert(None)
    with pytest.raises(SecondFactorError, match="no USB key"):
        auth.login("wang", SECRETS["wang"], "1234")
    token.insert("KEY-1")
    session = auth.login("wang", SECRETS["wang"], "1234")
    assert session.second_factor == "KEY-1"
    assert [d for a, _, d in audit.actions() if a is AuditAction.LOGIN_FAILED] == ["login AUTH-005"] * 4
    assert all("1234" not in e.detail and SECRETS["wang"] not in e.detail for e in audit.events)


def test_a_second_factor_that_cannot_be_set_up_lets_nobody_in(tmp_path: Path) -> None:
    broken = second_factor_from_spec("pkcs11:/usr/lib/libkey.so", base_dir=tmp_path, default_scenario=tmp_path,
                                     simulated=False)
    assert isinstance(broken, UnavailableSecondFactor)
    auth = auth_service(tmp_path, second_factor=broken)
    with pytest.raises(SecondFactorError, match="unknown second factor backend"):
        auth.login("wang", SECRETS["wang"], "1234")
    assert second_factor_from_spec("", base_dir=tmp_path, default_scenario=tmp_path, simulated=False) is None


def test_a_simulated_usb_key_lets_nobody_in_on_a_real_counter(tmp_path: Path) -> None:
    scenario = tmp_path / "keys.yaml"
    scenario.write_text(
        "spec: 1\nsecond_factor:\n  inserted: K1\n  tokens:\n    - {serial: K1, operator_id: wang, pin: '2468'}\n",
        encoding="utf-8",
    )
    token = second_factor_from_spec(f"sim:{scenario}", base_dir=tmp_path, default_scenario=tmp_path,
                                    simulated=False)
    assert isinstance(token, UnavailableSecondFactor)
    audit = RecordingSink()
    auth = auth_service(tmp_path, audit=audit, second_factor=token)
    assert auth.second_factor_required  # never silently without a second factor
    with pytest.raises(SecondFactorError, match="only on a counter with simulated devices") as raised:
        auth.login("wang", SECRETS["wang"], "2468")
    assert raised.value.code == "AUTH-005"
    assert audit.actions() == [(AuditAction.LOGIN_FAILED, "wang", "login AUTH-005")]


def test_the_simulated_second_factor_reads_the_scenario(tmp_path: Path) -> None:
    scenario = tmp_path / "keys.yaml"
    scenario.write_text(
        "spec: 1\nsecond_factor:\n  inserted: K1\n  tokens:\n    - {serial: K1, operator_id: wang, pin: '2468'}\n",
        encoding="utf-8",
    )
    token = second_factor_from_spec(f"sim:{scenario}", base_dir=tmp_path, default_scenario=tmp_path, simulated=True)
    assert isinstance(token, SimSecondFactor)
    assert token.verify("wang", "2468") == "K1"
    typo = tmp_path / "typo.yaml"
    typo.write_text("spec: 1\nsecond_factor:\n  tokenz: []\n", encoding="utf-8")
    assert isinstance(second_factor_from_spec(f"sim:{typo}", base_dir=tmp_path, default_scenario=tmp_path,
                                              simulated=True), UnavailableSecondFactor)


# --- the built-in operators of a simulated counter ---------------------------------------------


def test_a_real_counter_never_logs_in_by_itself(tmp_path: Path) -> None:
    auth = auth_service(tmp_path, simulated=False)
    with pytest.raises(RuntimeError):
        auth.auto_login()
    with pytest.raises(WrongCredentialsError):
        auth.login(BUILTIN_QA_ID, SIMULATED_SECRETS[BUILTIN_QA_ID])


def test_a_simulated_counter_logs_in_as_the_built_in_qa_operator(tmp_path: Path) -> None:
    audit = RecordingSink()
    auth = auth_service(tmp_path, simulated=True, audit=audit)
    session = auth.auto_login()
    assert session.automatic and session.operator.role is OperatorRole.QA
    assert session.operator.office_code == OFFICE
    assert audit.actions() == [(AuditAction.LOGIN, "qa", "automatic (simulated counter)")]
    auth.require(session.operator, Permission.REGISTER)
    assert auth.login("qa-supervisor", SIMULATED_SECRETS["qa-supervisor"]).operator.role is OperatorRole.SUPERVISOR


# --- permissions -----------------------------------------------------------------------------


def allowed(operator: Operator, permission: Permission, *, simulated: bool = False, office: str = OFFICE) -> str:
    try:
        check_permission(operator, permission, office_code=office, day=NOW.date(), simulated=simulated)
    except (RoleNotAllowedError, TrainingExpiredError) as error:
        return error.code
    return "ok"


def test_who_may_do_what() -> None:
    qa = Operator("qa-1", "测试员", OFFICE, OperatorRole.QA, date(2099, 1, 1))
    table = {
        (op.operator_id, permission.value): allowed(op, permission)
        for op in (WANG, ZHOU, LAPSED, IT, qa) for permission in Permission
    }
    assert table == {
        ("wang", "review"): "ok", ("wang", "register"): "ok", ("wang", "approve"): "AUTH-004",
        ("wang", "admin"): "AUTH-004",
        ("zhou", "review"): "ok", ("zhou", "register"): "ok", ("zhou", "approve"): "ok", ("zhou", "admin"): "AUTH-004",
        # Training lapsed yesterday: reviews, does not register.
        ("lapsed", "review"): "ok", ("lapsed", "register"): "AUTH-003", ("lapsed", "approve"): "AUTH-004",
        ("lapsed", "admin"): "AUTH-004",
        # IT administers accounts and never opens a case.
        ("it", "review"): "AUTH-004", ("it", "register"): "AUTH-004", ("it", "approve"): "AUTH-004",
        ("it", "admin"): "ok",
        # QA registers only on a simulated counter.
        ("qa-1", "review"): "ok", ("qa-1", "register"): "AUTH-004", ("qa-1", "approve"): "AUTH-004",
        ("qa-1", "admin"): "AUTH-004",
    }
    assert allowed(qa, Permission.REGISTER, simulated=True) == "ok"


def test_registering_needs_this_office_an_active_account_and_training_on_the_day() -> None:
    assert allowed(WANG, Permission.REGISTER, office="110102") == "AUTH-004"
    assert allowed(replace(WANG, active=False), Permission.REVIEW) == "AUTH-004"
    assert allowed(replace(WANG, training_valid_until=None), Permission.REGISTER) == "AUTH-003"
    last_day = replace(WANG, training_valid_until=NOW.date())
    assert allowed(last_day, Permission.REGISTER) == "ok"  # valid through its last day
    with pytest.raises(TrainingExpiredError, match="2026-11-29"):
        check_permission(LAPSED, Permission.REGISTER, office_code=OFFICE, day=NOW.date(), simulated=False)


def test_a_deactivation_that_arrives_with_a_refresh_counts_at_once(tmp_path: Path) -> None:
    directory = Directory([account(WANG)])
    auth = auth_service(tmp_path, directory=directory, cached=())
    auth.refresh()
    session = auth.login("wang", SECRETS["wang"])
    auth.require(session.operator, Permission.REGISTER)
    directory.accounts.clear()  # IT deactivated the account: it is no longer sent
    auth.refresh()
    with pytest.raises(RoleNotAllowedError, match="停用"):
        auth.require(session.operator, Permission.REVIEW)
