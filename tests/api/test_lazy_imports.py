"""What a worker imports at start (issue 16, goal 6): libraries only one route uses load on that route's first
call, and the schema check at start reads the revision without Alembic, so an idle worker does not keep them.
Checked in a fresh interpreter (the test process has imported them), with the app started on a migrated database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from triboka_api.migrate import upgrade
from triboka_api.settings import Settings

# reportlab and Pillow: only the deal trace PDF (S-41) uses them; boto3: only an S3 file store; Alembic: migrations
LAZY = ("reportlab", "PIL", "triboka_api.serializers.deal_pdf", "boto3", "alembic", "mako")


def test_a_started_app_has_not_imported_what_only_one_route_uses(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'api.db'}"
    upgrade(Settings(database_url=url))
    probe = (
        "import asyncio, sys\n"
        "from triboka_api.app import create_app\n"
        "from triboka_api.settings import Settings\n"
        f"app = create_app(Settings(database_url={url!r}))\n"
        "async def start_and_stop():\n"
        "    async with app.router.lifespan_context(app):\n"
        "        print('started')\n"
        "asyncio.run(start_and_stop())\n"
        f"print(' '.join(m for m in {LAZY!r} if m in sys.modules))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == ["started"]
