"""The web's start-up objects are frozen out of the cyclic collector while it runs and given back when it stops
(as the API's: a full collection walking them all is a pause in every page in flight; issue 16)."""

from __future__ import annotations

import gc

from starlette.testclient import TestClient
from triboka_web.app import create_app
from triboka_web.settings import Settings

from tests.support.logschema import assert_same_implementation


def test_the_start_up_heap_is_frozen_while_the_app_runs() -> None:
    gc.unfreeze()
    app = create_app(Settings(api_base_url="http://127.0.0.1:9"))
    with TestClient(app):  # runs the lifespan (in a thread of its own: these tests keep no event loop free)
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0


def test_the_collector_set_up_is_the_apis() -> None:
    assert_same_implementation("web", "collector.py")
