"""Issue 11 item 15: HEAD on every GET route of the API (from its route table) answers as GET, without a body;
uptime checkers send HEAD."""

from __future__ import annotations

from tests.api.helpers import api_routes
from tests.api.test_hostile_input import PATH_VALUES


async def test_head_answers_every_get_route_like_get_without_a_body(app, client, admin, world) -> None:
    chain = await world.chain()
    values = {
        "lot_id": chain.lot_ids[0],
        "batch_id": chain.batch["id"],
        "contract_id": chain.contract["id"],
        "entity_type": "lot",
        "entity_id": str(chain.lot_ids[0]),
        "code": "LOT-NONE",
    }
    checked = 0
    for route in api_routes(app):
        if "GET" not in route.methods:
            continue
        names = [p.name for p in route.dependant.path_params]
        assert set(names) <= set(PATH_VALUES), route.path
        path = route.path.format(**{n: values.get(n, 1) for n in names})
        get = await client.get(path, headers=admin.headers)
        head = await client.head(path, headers=admin.headers)
        assert head.status_code == get.status_code, f"HEAD {path}: {head.status_code} vs {get.status_code}"
        assert head.content == b"", path
        assert head.headers["content-type"] == get.headers["content-type"], path
        checked += 1
    assert checked >= 30
    post_only = await client.head("/api/auth/login")
    assert post_only.status_code == 405
    assert post_only.content == b""
