"""S-43..S-48 and Δ 180-184: DIDs with Ed25519 keys encrypted at rest, admin verification, visibility, signatures
that a third party verifies with nothing but the public key (the `cryptography` package here, never the API's own
code), and the attacker's side: another company's user, a lower role, foreign and replayed DID ids, hostile values."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from triboka_api.domain.key_ring import DEVELOPMENT_KEYS
from triboka_api.models import DigitalIdentity, DigitalSignature, User
from triboka_api.settings import Settings

from tests.api.helpers import BOOL, DT, INT, NUM, STR, ListOf, assert_error, assert_ok, assert_shape, opt

OLD_KEY = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
NEW_KEY = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
DID_OBJECT = {
    "id": INT,
    "did": STR,
    "user_id": INT,
    "company_id": opt(INT),
    "kyc_status": STR,
    "kyc_verified_at": opt(DT),
    "blockchain_address": None,
    "public_key": STR,
    "key_algorithm": "Ed25519",
    "reputation_score": NUM,
    "is_active": BOOL,
    "created_at": DT,
    "updated_at": DT,
}
PROFILE = {"profile_data": {"name": opt(STR), "email": opt(STR), "company_name": opt(STR)}}
PAGINATION = {"total": INT, "limit": INT, "offset": INT, "has_more": BOOL}
SIGNATURE = {
    "id": INT,
    "did_id": INT,
    "signer_did": STR,
    "signer_id": INT,
    "signer_name": opt(STR),
    "document_type": STR,
    "document_id": STR,
    "document_hash": STR,
    "signed_message": STR,
    "signature": STR,
    "signature_algorithm": "Ed25519",
    "public_key": STR,
    "status": "valid",
    "blockchain_tx_hash": None,
    "signed_at": DT,
    "created_at": DT,
}


@pytest.fixture(scope="module")
def settings(fresh_database) -> Settings:
    return fresh_database(encryption_keys=f"k1:{OLD_KEY}")


def b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical(value) -> bytes:
    """The documented canonical JSON (Δ 183), written here from the documentation, not imported."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


async def create(client, party) -> dict:
    return assert_ok(await client.post("/api/did/create", headers=party.headers), 201)


async def verify(client, admin, did_id) -> dict:
    return assert_ok(await client.post("/api/did/verify", json={"did_id": did_id}, headers=admin.headers))


async def test_create_returns_public_key_and_seals_private_key(client, world) -> None:
    producer = await world.user("producer")
    body = await create(client, producer)
    assert set(body) == {"message", "did", "wallet_address", "warning"}
    assert_shape(body["did"], DID_OBJECT | PROFILE)
    did = body["did"]
    assert did["did"] == f"did:triboka:{producer.id}"
    assert (did["user_id"], did["company_id"], did["kyc_status"]) == (
        producer.id,
        producer.company_id,
        "pending",
    )
    assert body["wallet_address"] is None
    assert did["reputation_score"] == 0
    assert len(b64(did["public_key"])) == 32
    async with world.session() as session:
        row = await session.scalar(select(DigitalIdentity).where(DigitalIdentity.id == did["id"]))
    # sealed: nonce (12) + 32-byte key + GCM tag (16); the public key's bytes are not in it, nor a raw seed
    version, key_id, token = row.encrypted_private_key.split(":")  # the key ring's envelope (Δ 197)
    assert (version, key_id) == ("v1", "k1")
    assert len(b64(token)) == 12 + 32 + 16
    again = await client.post("/api/did/create", headers=producer.headers)
    assert again.status_code == 400
    assert again.json() == {"error": "User already has a DID", "did": did["did"]}


def test_production_refuses_to_start_without_an_encryption_key() -> None:
    """Δ 197: no key ring, or the public development one, stops a production start (as the JWT secret does)."""
    strong = {"environment": "production", "jwt_secret": "j" * 40}
    for keys in (
        {},
        {"encryption_keys": DEVELOPMENT_KEYS},
        {"encryption_keys": f"k1:{OLD_KEY},{DEVELOPMENT_KEYS}"},
    ):
        with pytest.raises(ValueError, match="TRIBOKA_ENCRYPTION_KEYS must be set in production"):
            Settings(**strong, **keys)
    assert Settings(**strong, encryption_keys=f"k1:{OLD_KEY}").key_ring.current_id == "k1"


async def test_visibility_and_listing(client, world, admin) -> None:
    owner = await world.user("exporter")
    colleague = await world.user("exporter", company=False)  # company-less: nobody's colleague (Δ 73)
    stranger = await world.user("exporter")
    did = (await create(client, owner))["did"]
    for ref in (did["id"], did["did"]):
        assert_shape(
            assert_ok(await client.get(f"/api/did/{ref}", headers=owner.headers))["did"], DID_OBJECT | PROFILE
        )
        assert_shape(
            assert_ok(await client.get(f"/api/did/{ref}", headers=admin.headers))["did"], DID_OBJECT | PROFILE
        )
        assert_error(await client.get(f"/api/did/{ref}", headers=stranger.headers), 404, "DID")
        assert_error(await client.get(f"/api/did/{ref}", headers=colleague.headers), 404, "DID")
    listed = assert_ok(await client.get("/api/did", headers=stranger.headers))
    assert did["id"] not in [d["id"] for d in listed["dids"]]
    everyone = assert_ok(await client.get("/api/did?limit=100", headers=admin.headers))
    assert_shape(everyone, {"dids": ListOf(DID_OBJECT), "pagination": PAGINATION})
    assert did["id"] in [d["id"] for d in everyone["dids"]]
    page = assert_ok(
        await client.get(f"/api/did?company_id={owner.company_id}&status=pending", headers=admin.headers)
    )
    assert [d["id"] for d in page["dids"]] == [did["id"]]
    assert page["pagination"]["total"] == 1
    assert_error(await client.get("/api/did?status=bogus", headers=admin.headers), 400, "status")
    assert_error(await client.get("/api/did?limit=0", headers=admin.headers), 400)
    assert_error(await client.get("/api/did?limit=101", headers=admin.headers), 400)
    assert_error(await client.get("/api/did?offset=-1", headers=admin.headers), 400)


async def test_same_company_party_reads_without_profile(client, world) -> None:
    owner = await world.user("producer")
    mate = await world.user("producer", company=False)
    await world.update(User, mate.id, company_id=owner.company_id)
    did = (await create(client, owner))["did"]
    seen = assert_ok(await client.get(f"/api/did/{did['id']}", headers=mate.headers))["did"]
    assert_shape(seen, DID_OBJECT)  # no profile_data for a colleague
    listed = assert_ok(await client.get("/api/did", headers=mate.headers))["dids"]
    assert did["id"] in [d["id"] for d in listed]


async def test_only_admins_verify_any_did_and_reputation_is_given_once(client, world, admin) -> None:
    owner = await world.user("buyer")
    did = (await create(client, owner))["did"]
    operator = await world.user("operator", company=None)
    for caller in (owner, operator):
        assert_error(
            await client.post("/api/did/verify", json={"did_id": did["id"]}, headers=caller.headers), 403
        )
    assert_error(await client.post("/api/did/verify", json={}, headers=admin.headers), 400, "did_id")
    assert_error(
        await client.post("/api/did/verify", json={"did_id": 99999999}, headers=admin.headers), 404, "DID"
    )
    assert_error(
        await client.post("/api/did/verify", json={"did_id": "did:triboka:0"}, headers=admin.headers),
        404,
        "DID",
    )
    verified = await verify(client, admin, did["did"])
    assert verified["did"]["kyc_status"] == "verified"
    assert verified["did"]["reputation_score"] == 10
    assert verified["did"]["kyc_verified_at"]
    again = await verify(client, admin, did["id"])
    assert again["did"]["reputation_score"] == 10
    rejected = assert_ok(
        await client.post("/api/did/reject", json={"did_id": did["id"], "notes": "x"}, headers=admin.headers)
    )
    assert rejected["did"]["kyc_status"] == "rejected"
    assert rejected["did"]["kyc_verified_at"] is None


async def signed(client, admin, world) -> tuple[object, dict, dict]:
    owner = await world.user("producer")
    did = (await create(client, owner))["did"]
    await verify(client, admin, did["id"])
    return (
        owner,
        did,
        {"lot": "LOT-1", "peso_kg": 1250.5, "calidad": "Premium", "ñ": [1, 2, {"b": 1, "a": None}]},
    )


async def test_signature_verifies_with_the_public_key_alone(client, world, admin) -> None:
    owner, did, data = await signed(client, admin, world)
    body = {"event_type": "lot_created", "event_id": 42, "event_data": data}
    answer = assert_ok(await client.post(f"/api/did/{did['id']}/sign", json=body, headers=owner.headers), 201)
    assert set(answer) == {"message", "signature", "event_hash"}
    signature = answer["signature"]
    assert_shape(signature, SIGNATURE)
    expected_hash = hashlib.sha256(canonical(data)).hexdigest()
    assert answer["event_hash"] == signature["document_hash"] == expected_hash
    statement = json.loads(signature["signed_message"])
    assert statement == {
        "did": did["did"],
        "event_hash": expected_hash,
        "event_id": "42",
        "event_type": "lot_created",
        "signed_at": signature["signed_at"],
    }
    assert signature["signed_message"].encode() == canonical(statement)
    # the third party takes the public key from the DID, not from the signature
    public = assert_ok(await client.get(f"/api/did/{did['did']}", headers=admin.headers))["did"]["public_key"]
    key = Ed25519PublicKey.from_public_bytes(b64(public))
    key.verify(b64(signature["signature"]), signature["signed_message"].encode())  # raises if invalid
    tampered = canonical(
        statement | {"event_hash": hashlib.sha256(canonical(data | {"peso_kg": 9999})).hexdigest()}
    )
    with pytest.raises(InvalidSignature):
        key.verify(b64(signature["signature"]), tampered)
    # the API's check, for callers without a crypto library; any signed-in user may ask
    stranger = await world.user("buyer")
    url = f"/api/did/signatures/{signature['id']}/verify"
    good = assert_ok(await client.post(url, json={"event_data": data}, headers=stranger.headers))
    assert (good["valid"], good["signature_valid"], good["event_hash_matches"]) == (True, True, True)
    bad = assert_ok(
        await client.post(url, json={"event_data": data | {"peso_kg": 1}}, headers=stranger.headers)
    )
    assert (bad["valid"], bad["signature_valid"], bad["event_hash_matches"]) == (False, True, False)
    assert_error(
        await client.post("/api/did/signatures/99999999/verify", json={}, headers=stranger.headers), 404
    )
    after = assert_ok(await client.get(f"/api/did/{did['id']}", headers=owner.headers))["did"]
    assert after["reputation_score"] == pytest.approx(10.1)


async def test_tampered_stored_signature_fails_the_check(client, world, admin) -> None:
    owner, did, data = await signed(client, admin, world)
    body = {"event_type": "contract", "event_id": "C-1", "event_data": data}
    signature = assert_ok(
        await client.post(f"/api/did/{did['id']}/sign", json=body, headers=owner.headers), 201
    )["signature"]
    forged = signature["signed_message"].replace('"C-1"', '"C-2"')
    await world.update(DigitalSignature, signature["id"], signed_message=forged)
    check = assert_ok(
        await client.post(
            f"/api/did/signatures/{signature['id']}/verify", json={"event_data": data}, headers=owner.headers
        )
    )
    assert (check["valid"], check["signature_valid"]) == (False, False)


async def test_sign_refusals(client, world, admin) -> None:
    owner = await world.user("producer")
    did = (await create(client, owner))["did"]
    url = f"/api/did/{did['id']}/sign"
    body = {"event_type": "lot_created", "event_id": "1", "event_data": {"a": 1}}
    assert_error(await client.post(url, json=body, headers=owner.headers), 400, "verified")
    await verify(client, admin, did["id"])
    # admins read every DID but sign with none but their own; a colleague does not even see this one
    assert_error(await client.post(url, json=body, headers=admin.headers), 403, "owner")
    stranger = await world.user("producer")
    assert_error(await client.post(url, json=body, headers=stranger.headers), 404, "DID")
    # another user's DID id in the caller's own path (replayed ids): still the owner's rule
    stranger_did = (await create(client, stranger))["did"]
    assert_error(
        await client.post(f"/api/did/{stranger_did['did']}/sign", json=body, headers=owner.headers), 404
    )
    for hostile in (
        {"event_id": "1"},
        {"event_type": "x"},
        {"event_type": "", "event_id": "1"},
        {"event_type": "x" * 51, "event_id": "1"},
        {"event_type": "x", "event_id": "1" * 101},
        {"event_type": "x", "event_id": "1", "event_data": {"k": "a\u0000b"}},
        {"event_type": ["x"], "event_id": "1"},
    ):
        assert_error(await client.post(url, json=hostile, headers=owner.headers), 400)
    assert_error(await client.post(url, content=b"[1]", headers=owner.headers), 400, "JSON")
    await world.update(DigitalIdentity, did["id"], is_active=False)
    assert_error(await client.post(url, json=body, headers=owner.headers), 400, "active")


async def test_signature_list_filters_and_visibility(client, world, admin) -> None:
    owner, did, data = await signed(client, admin, world)
    for event_type in ("lot_created", "lot_created", "dispatch"):
        body = {"event_type": event_type, "event_id": "9", "event_data": data}
        assert_ok(await client.post(f"/api/did/{did['id']}/sign", json=body, headers=owner.headers), 201)
    url = f"/api/did/{did['id']}/signatures"
    everything = assert_ok(await client.get(url, headers=owner.headers))
    assert_shape(everything, {"signatures": ListOf(SIGNATURE), "pagination": PAGINATION})
    assert everything["pagination"]["total"] == 3
    lots = assert_ok(await client.get(f"{url}?event_type=lot_created&limit=1", headers=admin.headers))
    assert lots["pagination"] == {"total": 2, "limit": 1, "offset": 0, "has_more": True}
    stranger = await world.user("exporter")
    assert_error(await client.get(url, headers=stranger.headers), 404, "DID")
    assert_error(await client.get(f"{url}?limit=abc", headers=owner.headers), 400)


async def test_rotated_encryption_key_still_signs_and_reseals(world, admin, client) -> None:
    """Δ 181: a new key first, the old one after it: old DIDs still sign and are sealed again under the new key;
    with the old key gone, they answer 503 rather than sign with anything else."""
    owner, did, data = await signed(client, admin, world)
    url = f"/api/did/{did['id']}/sign"
    body = {"event_type": "x", "event_id": "1", "event_data": data}
    app = world.app
    app.state.key_ring = Settings(encryption_keys=f"k2:{NEW_KEY},k1:{OLD_KEY}").key_ring
    try:
        signature = assert_ok(await client.post(url, json=body, headers=owner.headers), 201)["signature"]
        async with world.session() as session:
            row = await session.get(DigitalIdentity, did["id"])
            assert row.encrypted_private_key.startswith("v1:k2:")
        public = Ed25519PublicKey.from_public_bytes(b64(did["public_key"]))
        public.verify(b64(signature["signature"]), signature["signed_message"].encode())  # the same key pair
        app.state.key_ring = Settings(encryption_keys=f"k3:{OLD_KEY}").key_ring
        assert_error(await client.post(url, json=body, headers=owner.headers), 503, "encryption key")
    finally:
        app.state.key_ring = Settings(encryption_keys=f"k1:{OLD_KEY}").key_ring


def test_malformed_encryption_key_is_refused_at_start_without_echoing_it() -> None:
    for value in ("nocolon", f"k1:{OLD_KEY[:-4]}", f"k1:{OLD_KEY},k1:{NEW_KEY}", "bad id:" + OLD_KEY):
        with pytest.raises(ValueError, match="TRIBOKA_ENCRYPTION_KEYS") as caught:
            Settings(encryption_keys=value)
        assert OLD_KEY[:20] not in str(caught.value)


async def test_matching_shows_the_producers_did_and_scores_a_verified_one(client, world, admin) -> None:
    """Δ 188: S-50/S-51 `has_did` and `reputation_score` from the DID table; S-52's +15 once it is verified."""
    producer = await world.user("producer")
    lot_id = (await world.lot(producer, quality_grade="Premium", certifications=["Organic"]))["lot_id"]
    exporter = await world.user("exporter")

    async def seen() -> tuple[dict, int]:
        lots = assert_ok(
            await client.get(f"/api/match/lots?producer_id={producer.company_id}", headers=exporter.headers)
        )
        recommended = assert_ok(
            await client.get("/api/match/recommendations?limit=50", headers=exporter.headers)
        )
        score = next(
            r["recommendation_score"] for r in recommended["recommendations"] if r["lot"]["id"] == lot_id
        )
        return lots["lots"][0]["producer_company"], score

    company, score = await seen()
    assert (company["has_did"], company["reputation_score"], score) == (False, None, 80)  # 50 + 20 + 10
    did = (await create(client, producer))["did"]
    company, score = await seen()
    assert (company["has_did"], company["reputation_score"], score) == (True, 0, 80)  # pending: no bonus
    await verify(client, admin, did["id"])
    company, score = await seen()
    assert (company["has_did"], company["reputation_score"], score) == (True, 10, 95)
    producers = assert_ok(await client.get("/api/match/producers?limit=100", headers=exporter.headers))[
        "producers"
    ]
    mine = next(p for p in producers if p["company_id"] == producer.company_id)
    assert (mine["has_did"], mine["reputation_score"]) == (True, 10)
    await world.update(DigitalIdentity, did["id"], is_active=False)
    company, score = await seen()
    assert (company["has_did"], score) == (False, 80)


async def test_non_ascii_digits_name_no_did(client, world) -> None:
    """Found by schemathesis: `³` is a digit to str.isdigit() but no row id; it names no DID (404, never 500)."""
    owner = await world.user("producer")
    await create(client, owner)
    for ref in ("³", "١", "did:triboka:³"):
        assert_error(await client.get(f"/api/did/{ref}", headers=owner.headers), 404, "DID")
        assert_error(await client.get(f"/api/did/{ref}/kyc", headers=owner.headers), 404, "DID")
