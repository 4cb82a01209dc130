"""What a use case changed in the store, as a small value the window passes to every view.

As Anki's operations return OpChanges: a use case says which kinds of data it wrote, the window
emits that once (`MainWindow.changed`), and each view decides from it whether to read again
(docs/architecture.md, "The window"). No view keeps a list of the others to reload, and a new
view needs no change anywhere else to stay current.

Each service names what its use cases change beside them (`sync.CHANGES`, `operations.CHANGES`,
...); this module imports nothing of ours, so any service can.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

#: The kinds of data a view may depend on (the fields of Changes but `settings`).
Kind = Literal["payments", "holds", "operations", "reconciliation", "links", "audit"]


@dataclass(frozen=True)
class Changes:
    """Which kinds of data changed; combine two with `|`."""

    #: Orders or payments (their state, amounts, the bank's picture): the Payments list, the
    #: payment's detail, the dashboard's money.
    payments: bool = False
    #: Holds (payments awaiting confirmation): the Holds tab, the dashboard's hold buckets.
    holds: bool = False
    #: The journal of money operations: the Operations tab, the money buttons, the dashboard.
    operations: bool = False
    #: Reconciliation runs and marks: the dashboard's open discrepancies.
    reconciliation: bool = False
    #: Payment links.
    links: bool = False
    #: The audit log.
    audit: bool = False
    #: What every view shows by (settings such as hold days or the time zone, the operator and
    #: with it what they may do): everything reads again.
    settings: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(**{f.name: getattr(self, f.name) or getattr(other, f.name)
                          for f in fields(self)})

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def touches(self, *kinds: Kind) -> bool:
        """Whether any of these kinds changed (a settings change touches every kind):
        `changes.touches("payments", "holds")`."""
        # Every kind read first: a misspelt one fails (AttributeError) even when settings
        # changed, rather than leave a view never reloading.
        changed = [getattr(self, kind) for kind in kinds]
        return self.settings or any(changed)


#: Everything may differ: another operator, changed settings.
EVERYTHING = Changes(payments=True, holds=True, operations=True, reconciliation=True, links=True,
                     audit=True, settings=True)
