"""The packaging scripts live in packaging/ beside the source tree rather than in an importable
package (one named `packaging` would shadow the library of that name): put them on sys.path.

None of these tests needs PyInstaller or runs it; the real build is `packaging/build.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
if str(PACKAGING) not in sys.path:
    sys.path.insert(0, str(PACKAGING))
