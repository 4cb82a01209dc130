"""StateFilterButton: choose several payment states from a menu that stays open while ticking."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QMouseEvent
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from halyk_desk.ui.state_look import STATE_ORDER, state_label


class _StayOpenMenu(QMenu):
    """Ticking a state keeps the menu open, so several can be chosen in one go."""

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        action = self.activeAction()
        if action is not None and action.isEnabled() and action.isCheckable():
            action.trigger()
            return
        super().mouseReleaseEvent(event)


class StateFilterButton(QToolButton):
    """Emits `changed` with the chosen state values; none chosen means every state."""

    changed = Signal(frozenset)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stateFilter")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = _StayOpenMenu(self)
        self._all = QAction(self.tr("Все состояния"), menu)
        self._all.triggered.connect(lambda: self.set_selected(frozenset()))
        menu.addAction(self._all)
        menu.addSeparator()
        self._actions: dict[str, QAction] = {}
        for state in STATE_ORDER:
            action = QAction(state_label(state.value), menu)
            action.setCheckable(True)
            action.toggled.connect(self._toggled)
            menu.addAction(action)
            self._actions[state.value] = action
        self.setMenu(menu)
        self._update_text()

    def selected(self) -> frozenset[str]:
        return frozenset(value for value, action in self._actions.items() if action.isChecked())

    def set_selected(self, states: frozenset[str]) -> None:
        if states == self.selected():
            return
        for value, action in self._actions.items():
            action.blockSignals(True)
            action.setChecked(value in states)
            action.blockSignals(False)
        self._toggled()

    def action_for(self, state: str) -> QAction:
        return self._actions[state]

    def _toggled(self) -> None:
        self._update_text()
        self.changed.emit(self.selected())

    def _update_text(self) -> None:
        chosen = [value for value, action in self._actions.items() if action.isChecked()]
        if not chosen:
            text = self.tr("Состояние: все")
        elif len(chosen) == 1:
            text = self.tr("Состояние: {state}").format(state=state_label(chosen[0]))
        else:
            text = self.tr("Состояний выбрано: {n}").format(n=len(chosen))
        self.setText(text)
        self.setToolTip(", ".join(state_label(value) for value in chosen) or text)
