"""A real SMTP server (aiosmtpd) on 127.0.0.1 that requires STARTTLS, with a certificate made
here and trusted through the CA file the delivery is given; it can be down, then up."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (certificate, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "relaytui test mail")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "mail.pem", folder / "mail.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass
class Mailbox:
    """What the server received: each accepted mail's raw bytes, and every recipient tried."""

    raw: list[bytes] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.tried.append(address)
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.raw.append(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"

    def messages(self):
        return [message_from_bytes(raw, policy=policy.default) for raw in self.raw]

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages()]


@dataclass
class MailServer:
    """A mail server on a fixed port that is down until :meth:`up`."""

    port: int
    cert_file: Path
    key_file: Path
    box: Mailbox = field(default_factory=Mailbox)
    starttls: bool = True
    logins: dict[str, str] = field(default_factory=dict)
    controller: object = None

    def up(self) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        extra: dict = {}
        if self.starttls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert_file, self.key_file)
            extra |= {"tls_context": context, "require_starttls": True}
        if self.logins:

            def check(_server, _session, _envelope, _mechanism, data):
                login = data.login.decode()
                return AuthResult(success=self.logins.get(login) == data.password.decode())

            extra |= {"authenticator": check, "auth_required": True}
        self.controller = Controller(self.box, hostname="127.0.0.1", port=self.port, **extra)
        self.controller.start()

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def mail_server(tmp_path):
    cert_file, key_file = make_certificate(tmp_path)
    server = MailServer(free_port(), cert_file, key_file)
    yield server
    server.down()
