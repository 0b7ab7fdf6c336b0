"""The local CA and server certificate behind ``serve --https-port``."""

from __future__ import annotations

import datetime
import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from dicom_emulator.identity.tls import ensure_tls_files


def assert_certificate_verifies(files_dir: Path, name: x509.GeneralName) -> None:
    """Verify the server certificate for ``name`` as a TLS client would (raises if not)."""
    store = Store(x509.load_pem_x509_certificates((files_dir / "ca.pem").read_bytes()))
    leaf = x509.load_pem_x509_certificate((files_dir / "server.pem").read_bytes())
    subject: x509.verification.Subject = (
        x509.DNSName(name.value) if isinstance(name, x509.DNSName)
        else x509.IPAddress(name.value))
    verifier = PolicyBuilder().store(store).build_server_verifier(subject)
    verifier.verify(leaf, [])


@pytest.mark.parametrize("name", [x509.DNSName("localhost"),
                                  x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                  x509.IPAddress(ipaddress.ip_address("::1"))])
def test_server_certificate_verifies_for_loopback_names(tmp_path: Path,
                                                        name: x509.GeneralName) -> None:
    files = ensure_tls_files(tmp_path, "127.0.0.1")
    assert_certificate_verifies(files.certificate.parent, name)


def test_a_name_the_certificate_does_not_carry_fails(tmp_path: Path) -> None:
    files = ensure_tls_files(tmp_path, "127.0.0.1")
    with pytest.raises(VerificationError):
        assert_certificate_verifies(files.certificate.parent, x509.DNSName("dicom.example.org"))


def test_keys_are_private_and_the_ca_is_kept(tmp_path: Path) -> None:
    first = ensure_tls_files(tmp_path, "127.0.0.1")
    for key in (first.private_key, tmp_path / "tls" / "ca-key.pem"):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    ca = first.ca_certificate.read_bytes()
    server = first.certificate.read_bytes()
    again = ensure_tls_files(tmp_path, "127.0.0.1")
    assert again.ca_certificate.read_bytes() == ca and again.certificate.read_bytes() == server


def test_another_host_gets_a_new_certificate_from_the_same_ca(tmp_path: Path) -> None:
    first = ensure_tls_files(tmp_path, "127.0.0.1")
    ca = first.ca_certificate.read_bytes()
    server = first.certificate.read_bytes()
    ensure_tls_files(tmp_path, "workshop-vm.local")
    assert first.ca_certificate.read_bytes() == ca
    assert first.certificate.read_bytes() != server
    assert_certificate_verifies(first.certificate.parent, x509.DNSName("workshop-vm.local"))
    assert_certificate_verifies(first.certificate.parent, x509.DNSName("localhost"))


def test_certificate_lifetimes(tmp_path: Path) -> None:
    files = ensure_tls_files(tmp_path, "0.0.0.0")
    leaf = x509.load_pem_x509_certificate(files.certificate.read_bytes())
    days = (leaf.not_valid_after_utc - datetime.datetime.now(datetime.UTC)).days
    # Clients reject server certificates valid for more than 398 days.
    assert 300 < days <= 398
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert x509.IPAddress(ipaddress.ip_address("0.0.0.0")) not in san
