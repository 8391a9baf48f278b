"""Δ 197: the one key ring for everything encrypted at rest (`domain/key_ring.py`), from the attacker's side: an
envelope from another key, another row, tampered with or cut short is refused with `UnreadableSecretError` (never
another exception, never a plaintext), and a rotation keeps what was sealed before readable."""

from __future__ import annotations

import pytest
from triboka_api.domain.key_ring import KeyRing, UnreadableSecretError, b64url, from_b64url
from triboka_api.settings import Settings

K1, K2 = (f"{key_id}:{b64url(bytes([n]) * 32)}" for n, key_id in ((1, "k1"), (2, "k2")))
SECRET = b"the private key seed, 32 bytes.."


def _tampered(envelope: str, index: int) -> str:
    prefix, token = envelope.rsplit(":", 1)
    raw = bytearray(from_b64url(token))
    raw[index] ^= 1
    return f"{prefix}:{b64url(bytes(raw))}"


RING = KeyRing.parse(K1)
DID = "did:triboka:user:1"
SEALED = RING.seal(SECRET, DID)


def test_an_envelope_opens_under_its_key_and_context() -> None:
    assert SEALED.startswith("v1:k1:")
    assert SECRET not in from_b64url(SEALED.rsplit(":", 1)[1])
    assert RING.open(SEALED, DID) == SECRET
    assert RING.seal(SECRET, DID) != SEALED  # a fresh nonce each time


@pytest.mark.parametrize(
    ("opener", "envelope", "context"),
    [
        pytest.param(RING, SEALED, "did:triboka:user:2", id="another row's context"),
        pytest.param(
            KeyRing.parse(f"k1:{b64url(bytes(32))}"), SEALED, DID, id="another key under the same id"
        ),
        pytest.param(KeyRing.parse(K2), SEALED, DID, id="a key id the ring does not hold"),
        pytest.param(RING, _tampered(SEALED, 0), DID, id="a flipped nonce bit"),
        pytest.param(RING, _tampered(SEALED, 20), DID, id="a flipped ciphertext bit"),
        pytest.param(RING, _tampered(SEALED, -1), DID, id="a flipped tag bit"),
    ],
)
def test_an_envelope_from_elsewhere_or_tampered_with_is_refused(
    opener: KeyRing, envelope: str, context: str
) -> None:
    with pytest.raises(UnreadableSecretError):
        opener.open(envelope, context)


@pytest.mark.parametrize(
    "envelope",
    [
        "",
        "v1:k1:",
        "v1:k1:AAAA",  # shorter than nonce + tag
        "v1:k1:not base64!",
        "v2:k1:" + "A" * 80,  # a format this build does not know
        "gAAAAABlegacyFernetToken",  # the release before the ring
        "v1:k1",
    ],
)
def test_malformed_or_truncated_envelopes_are_refused_cleanly(envelope: str) -> None:
    ring = KeyRing.parse(K1)
    with pytest.raises(UnreadableSecretError):
        ring.open(envelope, "ctx")
    truncated = ring.seal(SECRET, "ctx")[:-5]
    with pytest.raises(UnreadableSecretError):
        ring.open(truncated, "ctx")


def test_rotation_reads_the_old_key_and_reseals_under_the_new_one() -> None:
    old = KeyRing.parse(K1).seal(SECRET, "ctx")
    rotated = KeyRing.parse(f"{K2},{K1}")
    plaintext, stored = rotated.refreshed(old, "ctx")
    assert plaintext == SECRET
    assert stored.startswith("v1:k2:")
    assert KeyRing.parse(K2).open(stored, "ctx") == SECRET  # the old key can go now
    assert rotated.refreshed(stored, "ctx") == (SECRET, stored)  # already current: stored as it is


def test_the_issue_14_variable_still_configures_the_ring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRIBOKA_ENCRYPTION_KEYS", raising=False)
    monkeypatch.setenv("TRIBOKA_DID_KEY_ENCRYPTION_KEY", K2)
    assert Settings().key_ring.current_id == "k2"
    monkeypatch.setenv("TRIBOKA_ENCRYPTION_KEYS", f"{K1},{K2}")  # the new name wins when both are set
    assert Settings().key_ring.current_id == "k1"
