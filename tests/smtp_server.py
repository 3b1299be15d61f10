"""A real local SMTP server for the e-mail tests (aiosmtpd): STARTTLS with a self-signed certificate, AUTH."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER, PASSWORD = "betal", "s3cret-pass"


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 and localhost, written to files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Mailbox:
    """What the server received, and recipients it refuses for good."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        """Refuse unknown mailboxes with a 550 (a hard bounce)."""
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        """Keep the message."""
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        """Accept only the test user's password."""
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)


class SmtpServer:
    """aiosmtpd on a free loopback port that requires AUTH over STARTTLS (or TLS from the first byte)."""

    def __init__(self, directory: Path, *, implicit_tls: bool = False) -> None:
        self.cert, key = self_signed(directory)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, key)
        self.mailbox = Mailbox()
        self.port = free_port()
        self.implicit_tls = implicit_tls
        tls = {"ssl_context": context} if implicit_tls else {"tls_context": context, "require_starttls": True}
        self.controller = Controller(
            self.mailbox, hostname="127.0.0.1", port=self.port, authenticator=self.mailbox.authenticate,
            auth_required=True, auth_require_tls=not implicit_tls, **tls,
        )  # fmt: skip
        self.controller.start()

    def url(self, user: str = USER, password: str = PASSWORD) -> str:
        """PORTAL_SMTP_URL for this server (trusting its certificate)."""
        if self.implicit_tls:
            return f"smtps://{user}:{password}@127.0.0.1:{self.port}?cafile={self.cert}"
        return f"smtp://{user}:{password}@127.0.0.1:{self.port}?starttls=1&cafile={self.cert}"

    def stop(self) -> None:
        """Shut the server down."""
        self.controller.stop()
