"""The identity service's signing key: one RSA key pair per data dir, and its JWKS.

The private key is a PKCS#8 PEM file readable only by its owner. It is created once,
atomically (two processes starting on a fresh data dir agree on one key), and reused, so
tokens stay valid across restarts of the emulator on the same data dir.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KEY_FILE = "identity-key.pem"


@dataclass(frozen=True)
class SigningKey:
    """An RSA key pair and the key id (``kid``) tokens carry in their header."""

    private_key: rsa.RSAPrivateKey
    kid: str

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    def jwk(self) -> dict[str, Any]:
        """The public key as a JWK, as Entra ID's ``discovery/keys`` lists it."""
        jwk = RSAAlgorithm.to_jwk(self.public_key, as_dict=True)
        return {"kty": "RSA", "use": "sig", "kid": self.kid, "alg": "RS256",
                "n": jwk["n"], "e": jwk["e"]}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.jwk()]}


def _thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """RFC 7638 JWK thumbprint: a key id derived from the key, stable across restarts."""
    jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]},
                           separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def load_or_create_signing_key(data_dir: Path) -> SigningKey:
    """The data dir's signing key, generated on first use.

    Parameters
    ----------
    data_dir : Path
        The emulator's data dir; the key lives in ``identity-key.pem`` there.
    """
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        # mkstemp creates the file with mode 0600: the key is never readable by others.
        fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=".identity-key-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
                handle.flush()
                os.fsync(handle.fileno())
            # link() fails if another process won the race; then its key is the one.
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return SigningKey(private_key=private_key, kid=_thumbprint(private_key.public_key()))
