"""One key ring for everything encrypted at rest (Δ 197): DID private keys and ERP credentials become envelopes
`v1:<key id>:<nonce + AES-256-GCM ciphertext, base64url>` (`domain/key_ring.py`).

DIDs: the envelope takes in the key id that stood in its own column (`key_id`, dropped); no key is needed. ERP
credentials were Fernet tokens under a key derived (HKDF) from TRIBOKA_ERP_CREDENTIALS_KEY, or from the JWT secret
when that was unset; they are decrypted with it and sealed under the ring's current key, the connection id as
associated data. Done here rather than lazily on read so that the API holds one mechanism only and no Fernet
token outlives the upgrade; a token that did not decrypt before (its key was already lost) stays as it was, and
the API keeps answering "add the connection again" for it. The downgrade reverses both (the same keys needed).

Revision ID: 0012_erp_keyring
Revises: 0011_code_counters
"""

import base64
import logging
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import context, op
from alembic.operations import BatchOperations
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from triboka_api.domain.erp import credentials_context
from triboka_api.domain.key_ring import UnreadableSecretError
from triboka_api.settings import Settings

revision: str = "0012_erp_keyring"
down_revision: str | None = "0011_code_counters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REBUILD = {"sqlite_autoincrement": True}  # SQLite rebuilds the table to drop a column: ids are never reused
log = logging.getLogger("alembic.runtime.migration")


@contextmanager
def _rebuilt_identities() -> Iterator[BatchOperations]:
    """SQLite rebuilds the table by copy; reflecting it also reflects `users`, whose lower(email) index SQLAlchemy
    cannot reflect and says so (that index is not touched)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table("digital_identities", schema=None, table_kwargs=REBUILD) as batch_op:
            yield batch_op


def _settings() -> Settings:
    settings: Settings | None = context.config.attributes.get("settings")
    return settings or Settings()


def _legacy_fernet(settings: Settings) -> Fernet:
    """The ERP credentials' key before the ring, derived exactly as the release that wrote them did."""
    secret = (settings.erp_credentials_key or settings.jwt_secret).get_secret_value()
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"triboka erp credentials v1"
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _erp_rows() -> list[tuple[int, str, str]]:
    query = "SELECT id, connection_id, credentials FROM erp_connections WHERE credentials IS NOT NULL"
    return [(row.id, row.connection_id, row.credentials) for row in op.get_bind().execute(sa.text(query))]


def _store_credentials(row_id: int, credentials: str) -> None:
    op.get_bind().execute(
        sa.text("UPDATE erp_connections SET credentials = :c WHERE id = :id"),
        {"c": credentials, "id": row_id},
    )


def upgrade() -> None:
    op.execute(
        "UPDATE digital_identities SET encrypted_private_key = 'v1:' || key_id || ':' || encrypted_private_key"
    )
    with _rebuilt_identities() as batch_op:
        batch_op.drop_column("key_id")
    rows = _erp_rows()
    if not rows:
        return  # no key is needed (nor read) when there is nothing to re-encrypt
    settings = _settings()
    legacy, ring = _legacy_fernet(settings), settings.key_ring
    for row_id, connection_id, token in rows:
        try:
            plaintext = legacy.decrypt(token.encode())
        except InvalidToken:
            log.warning(
                "ERP connection %s: its credentials did not decrypt before either; left as they are", row_id
            )
            continue
        _store_credentials(row_id, ring.seal(plaintext, credentials_context(connection_id)))


def downgrade() -> None:
    with _rebuilt_identities() as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=64), nullable=False, server_default=""))
    bind = op.get_bind()
    for row_id, envelope in bind.execute(sa.text("SELECT id, encrypted_private_key FROM digital_identities")):
        _, key_id, token = envelope.split(":", 2)
        bind.execute(
            sa.text("UPDATE digital_identities SET key_id = :k, encrypted_private_key = :t WHERE id = :id"),
            {"k": key_id, "t": token, "id": row_id},
        )
    with _rebuilt_identities() as batch_op:
        batch_op.alter_column("key_id", server_default=None)
    rows = _erp_rows()
    if not rows:
        return
    settings = _settings()
    legacy, ring = _legacy_fernet(settings), settings.key_ring
    for row_id, connection_id, envelope in rows:
        try:
            plaintext = ring.open(envelope, credentials_context(connection_id))
        except UnreadableSecretError:
            continue  # unreadable under the ring too: it stays unreadable
        _store_credentials(row_id, legacy.encrypt(plaintext).decode())
