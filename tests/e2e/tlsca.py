"""A throw-away certificate authority and a server certificate for the test host, made with `cryptography`."""

from __future__ import annotations

import datetime as dt
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class TlsBundle:
    host: str
    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes
    ca_file: Path
    ca_key: ec.EllipticCurvePrivateKey = field(repr=False)

    def for_host(self, host: str) -> TlsBundle:
        """A leaf certificate for another host signed by the same CA (so one trust anchor covers both)."""
        cert_pem, key_pem = _leaf(host, self.ca_key)
        return TlsBundle(host, self.ca_pem, cert_pem, key_pem, self.ca_file, self.ca_key)

    def ssl_context(self) -> ssl.SSLContext:
        """Trusts only the test CA (not the system store) and checks the host name."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        context.check_hostname = True
        return context


CA_NAME = "Triboka e2e test CA"


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Triboka e2e"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_bundle(host: str, directory: Path) -> TlsBundle:
    """A CA (valid for two days) and a leaf certificate for `host` signed by it; the CA is written to
    `directory/ca.pem` for clients that take a file."""
    now, later = _validity()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(CA_NAME)
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(later)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca.public_bytes(serialization.Encoding.PEM)
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca_pem)
    cert_pem, key_pem = _leaf(host, ca_key)
    return TlsBundle(host, ca_pem, cert_pem, key_pem, ca_file, ca_key)


def _validity() -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    return now, now + dt.timedelta(days=2)


def _leaf(host: str, ca_key: ec.EllipticCurvePrivateKey) -> tuple[bytes, bytes]:
    """A server certificate for `host` (its only SAN) signed by the CA's key, and its key, both PEM."""
    now, later = _validity()
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(host))
        .issuer_name(_name(CA_NAME))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(later)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return (
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
