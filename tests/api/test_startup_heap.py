"""The objects a worker makes at start-up are frozen out of the cyclic collector while the app runs (issue 16: a
full collection walked all ~200,000 of them, a pause of ~145 ms in the requests in flight), and given back when it
stops, so that their cycles can still be collected in a process that outlives the app."""

from __future__ import annotations

import gc

from triboka_api.app import create_app
from triboka_api.settings import Settings


async def test_the_start_up_heap_is_frozen_while_the_app_runs(settings: Settings) -> None:
    gc.unfreeze()  # whatever another app of this process left frozen
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        frozen = gc.get_freeze_count()
        assert frozen > 10_000
        # the collector's generations no longer hold the app's route table (frozen objects are in none of them)
        assert all(o is not app.router for o in gc.get_objects())
        gc.collect()
        assert gc.get_freeze_count() == frozen  # a full collection leaves them where they are
    assert gc.get_freeze_count() == 0
    assert any(o is app.router for o in gc.get_objects())
