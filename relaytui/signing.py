"""The installation's audit signing key: an Ed25519 key whose private half is never in the
database.

``relaytui audit keygen`` makes it: the private key in a file readable by its owner only (or
in the system keyring with ``--keyring``), the public key in the config file, where
``relaytui audit verify`` finds it. Whoever can write to the database cannot sign a
checkpoint; whoever can read the checkpoints can check them with the public key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from relaytui import config
from relaytui.errors import InvalidInput, StoreError
from relaytui.i18n import _

#: The keyring service that holds the private key when it is kept there.
KEYRING_SERVICE = "relaytui-audit"
KEYRING_USER = "audit-signing-key"
#: What a signature covers is marked with this, so that no other message of ours can be
#: passed off as a checkpoint.
DOMAIN = b"relaytui audit checkpoint v1\n"
#: A checkpoint over several chains (issue 18).
CHAINS_DOMAIN = b"relaytui audit checkpoint v2\n"


def default_key_file() -> Path:
    return config.data_dir() / "audit-signing.key"


def default_checkpoint_file() -> Path:
    return config.data_dir() / "audit.checkpoints"


def checkpoint_file() -> Path:
    """Where checkpoints are appended outside the database (config ``audit_checkpoint_file``)."""
    chosen = config.read_config().get("audit_checkpoint_file")
    return Path(chosen).expanduser() if chosen else default_checkpoint_file()


def key_id(public_raw: bytes) -> str:
    """A short name of a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


BACKUP_DOMAIN = b"relaytui backup v1\n"


def backup_message(sha256: str, at: datetime) -> bytes:
    """The bytes a backup record's signature covers: the backup file's SHA-256, and when."""
    moment = at.astimezone(UTC).isoformat(timespec="microseconds")
    return BACKUP_DOMAIN + json.dumps([sha256, moment], separators=(",", ":")).encode("utf-8")


def checkpoint_message(
    last_id: int,
    head_hash: str,
    events: int,
    at: datetime,
    heads: tuple[tuple[int, int, str], ...] = (),
) -> bytes:
    """The bytes a checkpoint's signature covers: with ``heads`` (chain, id, hash of every
    chain's newest event) in the second form, without them the first, as before there were
    several chains."""
    moment = at.astimezone(UTC).isoformat(timespec="microseconds")
    fields: list = [int(last_id), head_hash, int(events), moment]
    if heads:
        fields.append(
            [[int(chain), int(event_id), str(digest)] for chain, event_id, digest in sorted(heads)]
        )
        return CHAINS_DOMAIN + json.dumps(fields, separators=(",", ":")).encode("utf-8")
    return DOMAIN + json.dumps(fields, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class PublicKey:
    raw: bytes

    @property
    def id(self) -> str:
        return key_id(self.raw)

    @property
    def text(self) -> str:
        return base64.b64encode(self.raw).decode("ascii")

    @classmethod
    def from_text(cls, text: str) -> PublicKey:
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except (ValueError, TypeError):
            raw = b""
        if len(raw) != 32:
            raise InvalidInput(
                _(
                    "'{key}' is not an audit public key: it is 44 characters of base64, as "
                    "'relaytui audit keygen' printed it."
                ).format(key=text.strip()[:60])
            )
        return cls(raw)

    def verifies(self, signature: bytes, message: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


class Signer:
    """The private key, loaded for signing checkpoints."""

    def __init__(self, private) -> None:  # an Ed25519PrivateKey
        from cryptography.hazmat.primitives import serialization

        self._private = private
        self.public = PublicKey(
            private.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
        )

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)


# --- making and finding the key ------------------------------------------------------------


def _private_pem(private) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def generate(*, key_file: Path | None = None, keyring: bool = False) -> tuple[Signer, str]:
    """A new key: the private half in ``key_file`` (mode 600, never over an existing file) or
    the keyring; the public half in the config file. Returns the signer and where its private
    half is."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    values = config.read_config()
    if values.get("audit_public_key"):
        raise InvalidInput(
            _(
                "This installation has an audit signing key already ({key}). A new one "
                "would leave the old checkpoints without their key: keep it."
            ).format(key=PublicKey.from_text(values["audit_public_key"]).id)
        )
    private = Ed25519PrivateKey.generate()
    pem = _private_pem(private)
    if keyring:
        backend = config.usable_keyring()
        if backend is None:
            raise StoreError(
                _(
                    "No usable system keyring was found: make the key as a file instead "
                    "(leave out --keyring)."
                )
            )
        backend.set_password(KEYRING_SERVICE, KEYRING_USER, pem.decode("ascii"))
        where = _("the system keyring")
        values["audit_key"] = "keyring"
    else:
        path = (key_file or default_key_file()).expanduser().absolute()
        if key_file is None:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.parent.is_dir():
            raise InvalidInput(_("The folder {folder} does not exist.").format(folder=path.parent))
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            raise InvalidInput(
                _(
                    "{file} exists already; a signing key is never written over another "
                    "file. Choose another path with --key-file."
                ).format(file=path)
            ) from None
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        where = str(path)
        values["audit_key"] = str(path)
    signer = Signer(private)
    values["audit_public_key"] = signer.public.text
    config.write_config(values)
    return signer, where


def load_signer() -> Signer | None:
    """The installation's signing key, if this process may read it (None: it signs nothing)."""
    from cryptography.hazmat.primitives import serialization

    values = config.read_config()
    where = values.get("audit_key")
    if not where:
        return None
    if where == "keyring":
        backend = config.usable_keyring()
        pem = backend.get_password(KEYRING_SERVICE, KEYRING_USER) if backend is not None else None
        data = pem.encode("ascii") if pem else None
    else:
        try:
            path = Path(where)
            if path.stat().st_mode & 0o077:
                raise StoreError(
                    _(
                        "The audit signing key {file} can be read by others. Make it "
                        "private with 'chmod 600 {file}'."
                    ).format(file=path)
                )
            data = path.read_bytes()
        except OSError:
            data = None
    if not data:
        return None
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise StoreError(
            _(
                "The audit signing key ({where}) cannot be read. Restore it from your key backup."
            ).format(where=where)
        ) from None
    return Signer(private)


def configured_public_key() -> PublicKey | None:
    """The public key the config file names (written by keygen), if any."""
    text = config.read_config().get("audit_public_key")
    return PublicKey.from_text(text) if text else None
