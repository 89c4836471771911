"""Setting a rule result aside at the counter (#10): "Set rule aside…" (Ctrl+Shift+O)
under a page's rule results, and the supervisor's approval dialog.

The button is enabled when the selected result, or with no failed result selected the
first failed one, is one the law leaves to the registry (app.rules.set_aside); the
dialog shows the result and the basis, the supervisor authenticates and gives the
reason (ui.supervisor_approval), and the workflow checks and saves it in app/. The
dialog is window-modal through open() (no nested event loop) and stays open until the
approval is saved (`finish`) or refused (`show_error`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from app.domain.case import CaseStatus, MarriageCase
from app.rules.results import RuleResult
from app.rules.set_aside import settable_rule
from ui.supervisor_approval import FAILED_COLOR, SupervisorApprovalDialog
from ui.widgets import RuleList

if TYPE_CHECKING:
    from app.auth.model import SupervisorCredentials
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)

SET_ASIDE_KEY = "Ctrl+Shift+O"


class RuleSetAsideDialog(SupervisorApprovalDialog):

    def __init__(self, result: RuleResult, basis: str, parent: QWidget | None = None, *,
                 second_factor: bool = False) -> None:
        super().__init__(
            self.tr("Set a rule result aside: supervisor approval"),
            self.tr("Why this result need not stop the case (e.g. the camera at this counter is out of order)"),
            parent, second_factor=second_factor,
        )
        self.rule_result = result
        shown = QLabel(f"{result.rule_id}  {result.message}")
        shown.setWordWrap(True)
        shown.setStyleSheet(f"color: {FAILED_COLOR};")
        self.header.addWidget(shown)
        grounds = QLabel(self.tr("Why the law allows a supervisor to set it aside: {basis}").format(basis=basis))
        grounds.setWordWrap(True)
        self.header.addWidget(grounds)


class SetAsideButton(QPushButton):
    """"Set rule aside…" under a RuleList; the page calls `show_case` after showing the
    results."""

    def __init__(self, rules: RuleList, main: MainWindow) -> None:
        super().__init__(self.tr("Set rule aside… (Ctrl+Shift+O)"))
        self.setShortcut(SET_ASIDE_KEY)
        self.rules, self.main = rules, main
        self.case: MarriageCase | None = None
        self.dialog: RuleSetAsideDialog | None = None  # the open approval, for tests and QA
        self.setEnabled(False)
        rules.currentItemChanged.connect(lambda *_: self._update())
        self.clicked.connect(self.open_dialog)

    def show_case(self, case: MarriageCase) -> None:
        self.case = case
        self._update()

    def _update(self) -> None:
        self.setEnabled(self.target() is not None)

    def target(self) -> RuleResult | None:
        """The selected failed result, else the first failed one, if a supervisor may set
        it aside now."""
        case = self.case
        if case is None or case.status not in (CaseStatus.OPEN, CaseStatus.WAITING_CENTRAL) \
                or case.registration_uuid is not None:
            return None
        failed: list[RuleResult] = []
        for row in range(self.rules.count()):
            result = self.rules.item(row).data(RuleList.RESULT_ROLE)
            if isinstance(result, RuleResult) and not result.passed:
                failed.append(result)
        current = self.rules.currentItem()
        selected = current.data(RuleList.RESULT_ROLE) if current is not None else None
        if isinstance(selected, RuleResult) and not selected.passed:
            failed = [selected]
        return next((r for r in failed if settable_rule(case, r) is not None), None)

    def open_dialog(self) -> None:
        case, result = self.case, self.target()
        rule = settable_rule(case, result) if case is not None and result is not None else None
        if case is None or result is None or rule is None:
            return
        main = self.main
        dialog = RuleSetAsideDialog(result, rule.basis, main, second_factor=main.services.auth.second_factor_required)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        workflow = main.workflow_for(case.business)

        def approve(credentials: SupervisorCredentials, reason: str) -> None:
            # The supervisor approves the failure they were shown, not another one (checked in app/).
            main.apply_approval(dialog, lambda current: workflow.set_rule_aside(
                current, result.rule_id, result.party, reason, credentials, shown=result.message))

        dialog.approved.connect(approve)
        self.dialog = dialog
        dialog.open()
