"""What a worker imports at start (issue 16, goal 6): libraries only one route uses load on that route's first
call, so an idle worker does not keep them. Checked in a fresh interpreter: the test process has imported them."""

from __future__ import annotations

import subprocess
import sys

# reportlab and Pillow: only the deal trace PDF (S-41) uses them
LAZY = ("reportlab", "PIL", "triboka_api.serializers.deal_pdf", "boto3")


def test_a_started_app_has_not_imported_what_only_one_route_uses() -> None:
    probe = (
        "import sys\n"
        "from triboka_api.app import create_app\n"
        "from triboka_api.settings import Settings\n"
        "create_app(Settings(database_url='sqlite+aiosqlite:///:memory:'))\n"
        f"print(' '.join(m for m in {LAZY!r} if m in sys.modules))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == []
