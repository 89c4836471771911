"""The sync panel: every registration and archive waiting for the central store, with
its state and why it waits (the top complaint about offline outboxes is items stuck
without a reason)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDockWidget, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from app.sync.types import OutboxItem, OutboxState


class SyncPanel(QDockWidget):
    sync_now_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Sync with the central registry (Ctrl+Shift+S)"), parent)
        self.setObjectName("sync_panel")
        body = QWidget()
        layout = QVBoxLayout(body)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels([
            self.tr("Item"), self.tr("Case"), self.tr("State"), self.tr("Attempts"),
            self.tr("Next attempt"), self.tr("Reason"),
        ])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.sync_button = QPushButton(self.tr("Sync now (Ctrl+Shift+Y)"))
        self.sync_button.setShortcut("Ctrl+Shift+Y")
        self.sync_button.clicked.connect(self.sync_now_requested)
        layout.addWidget(self.table)
        layout.addWidget(self.sync_button)
        self.setWidget(body)

    def state_text(self, state: OutboxState) -> str:
        return {
            OutboxState.PENDING: self.tr("waiting"),
            OutboxState.SENDING: self.tr("sending"),
            OutboxState.ACKNOWLEDGED: self.tr("confirmed"),
            OutboxState.FAILED: self.tr("rejected"),
        }[state]

    def show_items(self, items: list[OutboxItem], titles: dict[str, str]) -> None:
        kinds = {"registration": self.tr("registration"), "archive": self.tr("archive")}
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            waiting = item.state in (OutboxState.PENDING, OutboxState.SENDING)
            cells = [
                kinds.get(item.kind.value, item.kind.value),
                titles.get(item.case_id, item.case_id[:8]),
                self.state_text(item.state),
                str(item.attempts),
                item.next_attempt_at.astimezone().strftime("%H:%M:%S") if waiting else "",
                item.last_error,
            ]
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, item.item_id)
                self.table.setItem(row, column, cell)

    def summary(self, counts: dict[OutboxState, int]) -> str:
        waiting = counts.get(OutboxState.PENDING, 0) + counts.get(OutboxState.SENDING, 0)
        failed = counts.get(OutboxState.FAILED, 0)
        if failed:
            return self.tr("Sync: {waiting} waiting, {failed} rejected").format(waiting=waiting, failed=failed)
        if waiting:
            return self.tr("Sync: {waiting} waiting").format(waiting=waiting)
        return self.tr("Sync: all confirmed")
