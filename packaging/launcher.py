"""Entry point of the built program: `halyk-desk`, exactly as pip's console script starts it.

Set HALYK_DESK_PROBE (see window_probe.py) to have the first window checked and closed: the build's
smoke test and the start-up benchmark run the program this way. A probe that saw something go wrong
turns the exit code into 1.
"""

from __future__ import annotations

import sys

import window_probe

from halyk_desk import messages
from halyk_desk.cli import choose_language, main
from halyk_desk.ui.platform_check import check_before_window


def run() -> int:
    try:
        probe = window_probe.probe_from_environment()
    except ValueError as exc:
        raise SystemExit(f"halyk-desk: {exc}") from None
    if probe is not None:
        # The probe imports the window's modules, and with them Qt's libraries: check those first.
        messages.use(choose_language(sys.argv[1:]))
        refused = check_before_window()
        if refused is not None:
            return refused
        probe.install()
    code = main()
    if probe is not None and probe.failed:
        return code or 1
    return code


if __name__ == "__main__":
    raise SystemExit(run())
