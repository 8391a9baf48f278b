"""S-37..S-39: deal room files in the object store, on both databases and both stores (a directory and a real
S3, SeaweedFS). Every refusal is checked from the uploader's side and must leave nothing stored: no object, no
record, no message."""

from __future__ import annotations

import hashlib

import pytest
import pytest_asyncio
from sqlalchemy import func, select
from triboka_api.models import DealFile, DealMember, DealMessage
from triboka_api.settings import Settings

from tests.api.conftest import Party, World
from tests.api.file_stores import drop_object, store_settings, stored_keys
from tests.api.helpers import INT, STR, ListOf, assert_error, assert_ok, assert_shape, opt

MAX_UPLOAD = 64 * 1024
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FILE = {
    "id": STR,
    "filename": STR,
    "unique_filename": STR,
    "file_size": INT,
    "file_type": STR,
    "sha256": STR,
    "uploaded_by": INT,
    "uploaded_by_name": opt(STR),
    "confidentiality": STR,
    "description": opt(STR),
    "uploaded_at": STR,
    "download_url": STR,
}


@pytest.fixture(scope="module")
def settings(fresh_database, store_kind, tmp_path_factory, request) -> Settings:
    return store_settings(fresh_database, store_kind, tmp_path_factory, request, max_upload_bytes=MAX_UPLOAD)


class Deal:
    def __init__(
        self, deal_id: int, broker: Party, producer: Party, exporter: Party, observer: Party
    ) -> None:
        self.id, self.broker, self.producer, self.exporter, self.observer = (
            deal_id,
            broker,
            producer,
            exporter,
            observer,
        )
        self.url = f"/api/deals/{deal_id}"


@pytest_asyncio.fixture(scope="module")
async def deal(client, world: World) -> Deal:
    broker = await world.user("admin", company=None)
    producer, exporter, observer = [await world.user(r) for r in ("producer", "exporter", "buyer")]
    body = {"producer_id": producer.company_id, "exporter_id": exporter.company_id}
    deal_id = assert_ok(await client.post("/api/deals", json=body, headers=broker.headers), 201)["deal"]["id"]
    async with world.session() as session:
        session.add(
            DealMember(
                deal_id=deal_id,
                party_id=observer.company_id,
                party_type="company",
                role_in_deal="observer",
                permissions=["read", "write"],
            )
        )
        await session.commit()
    return Deal(deal_id, broker, producer, exporter, observer)


async def upload(client, deal: Deal, party: Party, name: str, content: bytes, **fields: str):
    return await client.post(
        f"{deal.url}/upload",
        files={"file": (name, content, "application/octet-stream")},
        data=fields,
        headers=party.headers,
    )


async def _rows(world: World) -> tuple[int, int]:
    async with world.session() as session:
        files = await session.scalar(select(func.count()).select_from(DealFile))
        messages = await session.scalar(
            select(func.count()).select_from(DealMessage).where(DealMessage.message_type == "file_upload")
        )
        return files, messages


async def test_upload_list_and_download(client, world, settings, deal) -> None:
    response = await upload(client, deal, deal.producer, "contrato firmado.pdf", PDF, description="v1")
    body = assert_ok(response, 201)
    assert_shape(body, {"message": STR, "file": FILE})
    record = body["file"]
    assert "file_path" not in record
    assert (record["filename"], record["file_type"], record["file_size"]) == (
        "contrato firmado.pdf",
        "pdf",
        len(PDF),
    )
    assert record["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (record["confidentiality"], record["description"]) == ("PUBLIC", "v1")
    # a random key under the deal, never the client's name
    keys = stored_keys(settings)
    key = next(k for k in keys if k.endswith(record["unique_filename"]))
    assert key.startswith(f"deals/{deal.id}/")
    assert "contrato" not in key
    listed = assert_ok(await client.get(f"{deal.url}/files", headers=deal.exporter.headers))
    assert_shape(listed, ListOf(FILE))
    assert record["id"] in [f["id"] for f in listed]
    download = await client.get(record["download_url"], headers=deal.observer.headers)
    assert download.status_code == 200, download.text
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="contrato firmado.pdf"' in disposition
    # the upload is a file_upload message of the deal
    messages = assert_ok(
        await client.get(f"{deal.url}/messages/search?type=file_upload", headers=deal.exporter.headers)
    )
    assert any(record["id"] in str(m["attachments"]) for m in messages["messages"])


async def test_confidentiality_filters_lists_and_downloads(client, world, settings, deal) -> None:
    uploaded = {}
    for level in ("PUBLIC", "PARTES", "SOLO_ADMIN"):
        body = assert_ok(
            await upload(client, deal, deal.broker, f"{level}.png", PNG, confidentiality=level), 201
        )
        uploaded[level] = body["file"]
    odd = assert_ok(await upload(client, deal, deal.broker, "odd.png", PNG, confidentiality="TOP"), 201)[
        "file"
    ]
    assert odd["confidentiality"] == "PUBLIC"  # the contract: an invalid value becomes PUBLIC

    async def seen(party: Party) -> set[str]:
        files = assert_ok(await client.get(f"{deal.url}/files", headers=party.headers))
        return {f["id"] for f in files} & {f["id"] for f in uploaded.values()}

    assert await seen(deal.broker) == {f["id"] for f in uploaded.values()}
    assert await seen(deal.producer) == {uploaded["PUBLIC"]["id"], uploaded["PARTES"]["id"]}
    assert await seen(deal.observer) == {uploaded["PUBLIC"]["id"]}
    for party, hidden in (
        (deal.producer, "SOLO_ADMIN"),
        (deal.observer, "PARTES"),
        (deal.observer, "SOLO_ADMIN"),
    ):
        assert_error(await client.get(uploaded[hidden]["download_url"], headers=party.headers), 404)
    # nor does its upload message show
    messages = assert_ok(await client.get(f"{deal.url}/messages", headers=deal.producer.headers))
    assert uploaded["SOLO_ADMIN"]["id"] not in str(messages)


@pytest.mark.parametrize(
    ("case", "name", "content", "fields", "status"),
    [
        ("solo admin by a party", "secret.pdf", PDF, {"confidentiality": "SOLO_ADMIN"}, 403),
        ("extension", "setup.exe", b"MZ\x90\x00", {}, 400),
        ("no extension", "README", b"hello", {}, 400),
        ("pdf that is not", "invoice.pdf", b"MZ\x90\x00 not a pdf", {}, 400),
        ("png that is a pdf", "photo.png", PDF, {}, 400),
        ("docx that is not a zip", "terms.docx", b"<html></html>", {}, 400),
        ("binary text", "notes.txt", b"\x00\x01\x02binary", {}, 400),
        ("not utf-8 text", "notes.txt", b"caf\xe9 \xff\xfe", {}, 400),
        ("path", "../../etc/passwd.txt", b"root", {}, 400),
        ("nested path", "a/b.pdf", PDF, {}, 400),
        ("windows path", "..\\evil.pdf", PDF, {}, 400),
        ("hidden name", ".htaccess.txt", b"x", {}, 400),
        ("empty", "empty.pdf", b"", {}, 400),
        ("one byte over the limit", "big.txt", b"a" * (MAX_UPLOAD + 1), {}, 413),
        ("description with NUL", "ok.pdf", PDF, {"description": "a\x00b"}, 400),
    ],
)
async def test_refused_uploads_store_nothing(
    client, world, settings, deal, case, name, content, fields, status
) -> None:
    before_keys, before_rows = stored_keys(settings), await _rows(world)
    assert_error(await upload(client, deal, deal.producer, name, content, **fields), status)
    assert stored_keys(settings) == before_keys, case
    assert await _rows(world) == before_rows, case


@pytest.mark.parametrize("name", [b"bad\tname.pdf", b"bad\x01name.pdf", b"bad\x7fname.pdf"])
async def test_control_characters_in_names_are_refused(client, world, settings, deal, name) -> None:
    """httpx percent-encodes them, so the multipart body is written by hand, as a hostile client would."""
    boundary = "hostile-boundary"
    body = (
        f"--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="file"; filename="'
        + name
        + b'"\r\n'
        + b"Content-Type: application/pdf\r\n\r\n"
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    before = stored_keys(settings)
    response = await client.post(
        f"{deal.url}/upload",
        content=body,
        headers=deal.producer.headers | {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert_error(response, 400, "name")
    assert stored_keys(settings) == before


async def test_upload_refusals_before_the_body(client, world, settings, deal) -> None:
    before = stored_keys(settings)
    outsider = await world.user("exporter")
    assert_error(await upload(client, deal, outsider, "x.pdf", PDF), 403)
    missing = await client.post(
        "/api/deals/999999/upload", files={"file": ("x.pdf", PDF)}, headers=deal.broker.headers
    )
    assert_error(missing, 404)
    # read-only member
    reader = await world.user("buyer")
    async with world.session() as session:
        session.add(
            DealMember(
                deal_id=deal.id,
                party_id=reader.company_id,
                party_type="company",
                role_in_deal="observer",
                permissions=["read"],
            )
        )
        await session.commit()
    assert_error(await upload(client, deal, reader, "x.pdf", PDF), 403)
    # a JSON body or no file part
    assert_error(
        await client.post(f"{deal.url}/upload", json={"file": "x"}, headers=deal.broker.headers), 400, "file"
    )
    assert_error(
        await client.post(
            f"{deal.url}/upload",
            data={"description": "no file"},
            files={"other": ("a.pdf", PDF)},
            headers=deal.broker.headers,
        ),
        400,
        "file",
    )
    # a body far over the upload limit is refused from its declared length, unread
    huge = await upload(client, deal, deal.broker, "huge.txt", b"a" * (MAX_UPLOAD + 128 * 1024))
    assert_error(huge, 413)
    assert stored_keys(settings) == before


async def test_download_of_an_object_gone_from_the_store_is_404(client, world, settings, deal) -> None:
    record = assert_ok(await upload(client, deal, deal.broker, "gone.pdf", PDF), 201)["file"]
    key = next(k for k in stored_keys(settings) if k.endswith(record["unique_filename"]))
    drop_object(settings, key)
    assert_error(await client.get(record["download_url"], headers=deal.broker.headers), 404)
    assert_error(await client.get(f"{deal.url}/files/not-a-file/download", headers=deal.broker.headers), 404)
    other = assert_ok(
        await client.post(
            "/api/deals",
            json={"producer_id": deal.producer.company_id, "exporter_id": deal.exporter.company_id},
            headers=deal.broker.headers,
        ),
        201,
    )["deal"]["id"]
    # a file of one deal is not reachable through another deal's URL
    mine = assert_ok(await upload(client, deal, deal.broker, "mine.pdf", PDF), 201)["file"]
    assert_error(
        await client.get(f"/api/deals/{other}/files/{mine['id']}/download", headers=deal.broker.headers), 404
    )
