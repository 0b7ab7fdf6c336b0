"""A local CA and a server certificate, so HTTPS-only clients can use the emulator.

``azure.identity.ClientSecretCredential`` refuses an authority that is not ``https://``.
With ``serve --https-port P`` the emulator also answers on HTTPS, with a certificate
signed by a CA made for this data dir. Clients trust that CA explicitly (``verify=`` /
``connection_verify=`` / ``REQUESTS_CA_BUNDLE``), never by turning verification off:

    ClientSecretCredential(tenant, app_id, secret, authority="https://127.0.0.1:P",
                           disable_instance_discovery=True,
                           connection_verify="<data dir>/tls/ca.pem")

The CA is made once and kept (with its key, readable only by its owner), so a CA that a
participant trusted stays valid; the server certificate is renewed when it nears expiry
or does not name the host it is served on.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from starlette.applications import Starlette

from dicom_emulator.settings import EmulatorSettings
from dicom_emulator.web.idle_timeout import protocol_options

TLS_DIR = "tls"
_CA_DAYS, _SERVER_DAYS, _RENEW_DAYS = 3650, 397, 30
_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class TlsFiles:
    """The PEM files uvicorn serves with, and the CA certificate clients trust."""

    ca_certificate: Path
    certificate: Path
    private_key: Path


def _write(path: Path, data: bytes) -> None:
    """Write atomically; mkstemp's mode 0600 keeps keys private."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _names(host: str) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for name in dict.fromkeys((*_LOOPBACK_NAMES, host)):
        if name in ("", "0.0.0.0", "::"):  # wildcard listen addresses name no host
            continue
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            names.append(x509.DNSName(name))
    return names


def _load_or_create_ca(folder: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert_path, key_path = folder / "ca.pem", folder / "ca-key.pem"
    if cert_path.exists() and key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return x509.load_pem_x509_certificate(cert_path.read_bytes()), key
    now = datetime.datetime.now(datetime.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "DICOM service emulator local CA")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=_CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(key_path, _key_pem(key))
    _write(cert_path, _cert_pem(cert))
    return cert, key


def _still_good(path: Path, names: list[x509.GeneralName], ca: x509.Certificate) -> bool:
    if not path.exists():
        return False
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    renew_at = cert.not_valid_after_utc - datetime.timedelta(days=_RENEW_DAYS)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return (cert.issuer == ca.subject and datetime.datetime.now(datetime.UTC) < renew_at
            and all(name in san for name in names))


def ensure_tls_files(data_dir: Path, host: str) -> TlsFiles:
    """The CA and a server certificate for ``host`` (and loopback), made when needed.

    Parameters
    ----------
    data_dir : Path
        The files live in ``<data_dir>/tls/``.
    host : str
        The address the emulator listens on; named in the certificate with localhost,
        127.0.0.1 and ::1.
    """
    folder = data_dir / TLS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    ca, ca_key = _load_or_create_ca(folder)
    files = TlsFiles(ca_certificate=folder / "ca.pem", certificate=folder / "server.pem",
                     private_key=folder / "server-key.pem")
    names = _names(host)
    if _still_good(files.certificate, names, ca) and files.private_key.exists():
        return files
    now = datetime.datetime.now(datetime.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=_SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(files.private_key, _key_pem(key))
    _write(files.certificate, _cert_pem(cert))
    return files


class HttpsServer:
    """A second uvicorn server: the same app over HTTPS (no lifespan: the HTTP one has it).

    Parameters
    ----------
    app : Starlette
        The emulator app (its identity service learns the HTTPS origin once serving).
    settings : EmulatorSettings
        ``host``, ``https_port`` and ``data_dir`` (where the certificates live).
    """

    def __init__(self, app: Starlette, settings: EmulatorSettings):
        self.app = app
        self.host = settings.host
        self.files = ensure_tls_files(settings.data_dir, settings.host)
        self.server = uvicorn.Server(uvicorn.Config(
            app, host=settings.host, port=settings.https_port or 0, log_level="warning",
            access_log=False, lifespan="off", ssl_certfile=str(self.files.certificate),
            ssl_keyfile=str(self.files.private_key),
            # Closing a TLS connection waits for the client's close_notify (asyncio allows
            # 30 s), which an idle keep-alive client never sends: bound the wait on exit.
            timeout_graceful_shutdown=3,
            # Silent clients are closed here too (asyncio closes one that never finishes
            # its TLS handshake, after 60 s).
            **protocol_options(settings.idle_timeout, settings.data_rate)))
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> str:
        """Serve, wait until requests are answered, announce and return the origin."""
        self._task = asyncio.create_task(self.server.serve())
        while not self.server.started and not self._task.done():
            await asyncio.sleep(0.01)
        if self._task.done():
            await self._task  # surfaces why it could not start (uvicorn logged it)
            raise RuntimeError("the HTTPS server stopped while starting")
        port = self.server.servers[0].sockets[0].getsockname()[1]
        origin = f"https://{self.host}:{port}"
        identity = self.app.state.components.identity
        identity.https_origin, identity.ca_certificate = origin, self.files.ca_certificate
        print(f"HTTPS at {origin} (CA certificate {self.files.ca_certificate})", flush=True)
        return origin

    async def stop(self) -> None:
        if self._task is not None:
            self.server.should_exit = True
            await self._task
