"""services.changes: what a use case changed, as the window's views read it."""

from __future__ import annotations

import pytest

from halyk_desk.services import links, operations, orders, reconciliation, sync
from halyk_desk.services.changes import EVERYTHING, Changes


def test_combined_changes_keep_every_kind_of_both() -> None:
    both = Changes(payments=True) | Changes(reconciliation=True)
    assert both == Changes(payments=True, reconciliation=True)
    assert both.touches("reconciliation")
    assert not both.touches("holds", "operations")


def test_nothing_changed_touches_nothing() -> None:
    assert not Changes()
    assert not Changes().touches("payments", "holds", "operations", "reconciliation", "links",
                                 "audit")


def test_changed_settings_touch_every_view() -> None:
    assert Changes(settings=True).touches("audit")
    assert EVERYTHING.touches("links")


def test_a_misspelt_kind_is_refused_rather_than_never_reloading() -> None:
    with pytest.raises(AttributeError, match="payment"):
        Changes(settings=True).touches("payment")  # type: ignore[arg-type]


def test_use_cases_name_the_lists_they_write() -> None:
    """What the window reloads after each: an operation reaches the journal and the payment,
    a sync and an import the payments and holds, a reconciliation its own runs."""
    assert operations.CHANGES.touches("operations") and operations.CHANGES.touches("payments")
    assert sync.CHANGES.touches("payments") and sync.CHANGES.touches("holds")
    assert not sync.CHANGES.touches("operations", "reconciliation")
    assert orders.CHANGES.touches("payments") and not orders.CHANGES.touches("operations")
    assert links.CHANGES.touches("links") and links.CHANGES.touches("holds")
    assert reconciliation.CHANGES.touches("reconciliation")
    assert not reconciliation.CHANGES.touches("payments", "holds", "operations")
