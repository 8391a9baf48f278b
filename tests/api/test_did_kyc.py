"""S-49 and Δ 185, 186: KYC documents in the object store (a directory and a real S3) under deal room files' upload
rules, read only by the owner and admins, reviewed by admins. Refusals are driven from the uploader's side and
from outside (another company's user, a colleague of the owner, a lower role) and must leave nothing stored."""

from __future__ import annotations

import base64
import hashlib
import secrets

import pytest
import pytest_asyncio
from sqlalchemy import func, select
from triboka_api.models import KycDocument, User
from triboka_api.settings import Settings

from tests.api.conftest import Party, World
from tests.api.file_stores import drop_object, store_settings, stored_keys
from tests.api.helpers import DATE, DT, INT, STR, ListOf, assert_error, assert_ok, assert_shape, opt

MAX_UPLOAD = 64 * 1024
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
KYC = {
    "id": INT,
    "did_id": INT,
    "did": STR,
    "document_type": STR,
    "document_number": STR,
    "issuing_country": opt(STR),
    "issuing_authority": opt(STR),
    "document_hash": STR,
    "issued_at": opt(DATE),
    "expires_at": opt(DATE),
    "verification_status": STR,
    "verified_at": opt(DT),
    "verification_notes": opt(STR),
    "notes": opt(STR),
    "filename": STR,
    "file_size": INT,
    "file_type": STR,
    "download_url": STR,
    "created_at": DT,
}
FIELDS = {"document_type": "passport", "document_number": "P-123"}


@pytest.fixture(scope="module")
def settings(fresh_database, store_kind, tmp_path_factory, request) -> Settings:
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return store_settings(
        fresh_database,
        store_kind,
        tmp_path_factory,
        request,
        max_upload_bytes=MAX_UPLOAD,
        encryption_keys=f"k1:{key}",
    )


@pytest_asyncio.fixture(scope="module")
async def owner(client, world: World) -> tuple[Party, dict]:
    party = await world.user("producer")
    did = assert_ok(await client.post("/api/did/create", headers=party.headers), 201)["did"]
    return party, did


async def upload(client, party: Party, did_ref, name: str, content: bytes, **fields: str):
    return await client.post(
        f"/api/did/{did_ref}/kyc",
        files={"document_file": (name, content, "application/octet-stream")},
        data=FIELDS | fields,
        headers=party.headers,
    )


async def _count(world: World) -> int:
    async with world.session() as session:
        return await session.scalar(select(func.count()).select_from(KycDocument))


async def test_upload_list_download_and_review(client, world, admin, settings, owner) -> None:
    party, did = owner
    extra = {
        "issuing_country": "EC",
        "issue_date": "2020-01-02",
        "expiry_date": "2030-01-02",
        "notes": "mi pasaporte",
    }
    answer = assert_ok(await upload(client, party, did["did"], "pasaporte ñ.pdf", PDF, **extra), 201)
    assert set(answer) == {"message", "kyc_document"}
    document = answer["kyc_document"]
    assert_shape(document, KYC)
    assert document["document_hash"] == hashlib.sha256(PDF).hexdigest()
    assert (document["issued_at"], document["expires_at"], document["verification_status"]) == (
        "2020-01-02",
        "2030-01-02",
        "pending",
    )
    keys = stored_keys(settings)
    assert len(keys) == 1
    assert keys[0].startswith(f"kyc/{did['id']}/")
    assert "pasaporte" not in keys[0]  # the key is the API's, never the client's name
    listed = assert_ok(await client.get(f"/api/did/{did['id']}/kyc", headers=party.headers))
    assert_shape(listed, {"kyc_documents": ListOf(KYC)})
    assert [d["id"] for d in listed["kyc_documents"]] == [document["id"]]
    for reader in (party, admin):
        got = await client.get(document["download_url"], headers=reader.headers)
        assert got.status_code == 200
        assert got.content == PDF
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["content-disposition"].startswith('attachment; filename="pasaporte _.pdf"')
    queue = assert_ok(await client.get("/api/did/kyc?status=pending", headers=admin.headers))["kyc_documents"]
    assert document["id"] in [d["id"] for d in queue]
    url = f"/api/did/kyc/{document['id']}/review"
    reviewed = assert_ok(
        await client.post(url, json={"status": "verified", "notes": "ok"}, headers=admin.headers)
    )
    assert reviewed["kyc_document"]["verification_status"] == "verified"
    assert reviewed["kyc_document"]["verification_notes"] == "ok"
    assert reviewed["kyc_document"]["verified_at"]
    pending = assert_ok(await client.get("/api/did/kyc?status=pending", headers=admin.headers))[
        "kyc_documents"
    ]
    assert document["id"] not in [d["id"] for d in pending]
    assert_error(await client.post(url, json={"status": "approved"}, headers=admin.headers), 400, "status")
    assert_error(await client.get("/api/did/kyc?status=bogus", headers=admin.headers), 400, "status")
    assert_error(
        await client.post("/api/did/kyc/99999999/review", json={"status": "verified"}, headers=admin.headers),
        404,
    )


async def test_only_owner_and_admins_read_and_only_admins_review(client, world, admin, owner) -> None:
    party, did = owner
    document = assert_ok(await upload(client, party, did["id"], "id.jpg", JPG, document_type="id_card"), 201)[
        "kyc_document"
    ]
    colleague = await world.user("producer", company=False)
    await world.update(User, colleague.id, company_id=party.company_id)
    stranger = await world.user("buyer")
    operator = await world.user("operator", company=None)
    for intruder in (colleague, stranger, operator):
        assert_error(
            await client.get(document["download_url"], headers=intruder.headers), 404, "KYC document"
        )
        assert_error(await client.get(f"/api/did/{did['id']}/kyc", headers=intruder.headers), 404, "DID")
        assert_error(await client.get("/api/did/kyc", headers=intruder.headers), 403)
        review = {"status": "verified"}
        assert_error(
            await client.post(f"/api/did/kyc/{document['id']}/review", json=review, headers=intruder.headers),
            403,
        )
    # the colleague reads the DID itself (S-45) but may not upload to it; the stranger does not see it at all
    assert_error(await upload(client, colleague, did["id"], "x.pdf", PDF), 403, "owner")
    assert_error(await upload(client, stranger, did["id"], "x.pdf", PDF), 404, "DID")
    assert_error(await upload(client, admin, did["id"], "x.pdf", PDF), 403, "owner")


@pytest.mark.parametrize(
    ("case", "name", "content", "fields", "status"),
    [
        ("renamed executable", "doc.pdf", b"MZ\x90\x00binary", {}, 400),
        ("extension not allowed", "run.exe", b"MZ", {}, 400),
        ("path in the name", "../../etc/passwd.pdf", PDF, {}, 400),
        ("empty file", "e.pdf", b"", {}, 400),
        ("one byte over the limit", "big.txt", b"a" * (MAX_UPLOAD + 1), {}, 413),
        ("unknown document type", "p.pdf", PDF, {"document_type": "selfie"}, 400),
        ("missing number", "p.pdf", PDF, {"document_number": ""}, 400),
        ("number too long", "p.pdf", PDF, {"document_number": "9" * 101}, 400),
        ("NUL in a field", "p.pdf", PDF, {"issuing_authority": "a\x00b"}, 400),
        ("impossible date", "p.pdf", PDF, {"issue_date": "0001-01-01"}, 400),
        ("unparsable date", "p.pdf", PDF, {"expiry_date": "mañana"}, 400),
        ("expiry before issue", "p.pdf", PDF, {"issue_date": "2024-01-01", "expiry_date": "2023-01-01"}, 400),
    ],
)
async def test_refusals_store_nothing(
    client, world, settings, owner, case, name, content, fields, status
) -> None:
    party, did = owner
    before_keys, before_rows = stored_keys(settings), await _count(world)
    response = await upload(client, party, did["id"], name, content, **fields)
    assert_error(response, status)
    assert stored_keys(settings) == before_keys, case
    assert await _count(world) == before_rows, case


async def test_missing_file_field_and_missing_object(client, world, settings, owner, admin) -> None:
    party, did = owner
    response = await client.post(f"/api/did/{did['id']}/kyc", data=FIELDS, headers=party.headers)
    assert_error(response, 400, "document_file")
    document = assert_ok(
        await upload(client, party, did["id"], "c.pdf", PDF, document_type="certificate"), 201
    )
    record = document["kyc_document"]
    async with world.session() as session:
        key = (await session.get(KycDocument, record["id"])).storage_key
    drop_object(settings, key)
    assert_error(await client.get(record["download_url"], headers=admin.headers), 404, "File")
