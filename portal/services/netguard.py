"""The SSRF guard for outbound webhooks: https only, and only to public addresses after DNS resolution.

URLs are checked when an endpoint is registered and again on every connection the worker opens: the
HTTP client resolves the name through GuardedResolver, which checks every address, and connects to a checked one,
so a name that later resolves elsewhere (DNS rebinding) cannot reach the inside either. Loopback
addresses (and plain http to them) are allowed only with PORTAL_WEBHOOKS_ALLOW_LOOPBACK, for
development and tests.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver

from portal.services.errors import DomainError

Resolver = Callable[[str, int], list[str]]


class UnsafeUrl(DomainError):
    """A webhook URL the portal refuses to call."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def resolve(host: str, port: int) -> list[str]:
    """Every address a host name resolves to (the one seam to DNS)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeUrl("the host name does not resolve") from error
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_address(address: str, *, allow_loopback: bool) -> None:
    """Refuse private, loopback, link-local, reserved and other non-public addresses."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback and allow_loopback:
        return
    if not ip.is_global or ip.is_multicast:
        raise UnsafeUrl(f"the address {ip} is not a public internet address")


def _parts(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of a URL, refusing credentials and odd forms."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise UnsafeUrl("the URL is not valid") from error
    if parts.scheme not in ("https", "http"):
        raise UnsafeUrl("only https URLs are allowed")
    if not parts.hostname:
        raise UnsafeUrl("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("the URL must not contain a user name or password")
    return parts.scheme, parts.hostname, port


def check_url(url: str, *, allow_loopback: bool, resolver: Resolver | None = None) -> list[str]:
    """Check a webhook URL, resolving its host; return the addresses, or raise UnsafeUrl."""
    scheme, host, port = _parts(url)
    addresses = (resolver or resolve)(host, port)
    if not addresses:
        raise UnsafeUrl("the host name does not resolve")
    for address in addresses:
        check_address(address, allow_loopback=allow_loopback)
    if scheme != "https" and not (allow_loopback and _all_loopback(addresses)):
        raise UnsafeUrl("only https URLs are allowed")
    return addresses


def _all_loopback(addresses: list[str]) -> bool:
    """Whether every address is a loopback address."""
    return all(ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in addresses)


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver for webhooks: a name's every address is checked, and only checked addresses are used."""

    def __init__(self, *, allow_loopback: bool, resolver: Resolver | None = None) -> None:
        self._allow_loopback = allow_loopback
        self._resolver = resolver

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[dict]:
        """The checked addresses of host, for the connection to use; refuse (as a connection error) otherwise."""
        lookup = self._resolver or resolve
        try:
            addresses = await asyncio.get_running_loop().run_in_executor(None, lookup, host, port)
            if not addresses:
                raise UnsafeUrl("the host name does not resolve")
            for address in addresses:
                check_address(address, allow_loopback=self._allow_loopback)
        except UnsafeUrl as error:
            raise OSError(errno.EACCES, f"refused: {error.reason}") from error
        return [
            {"hostname": host, "host": address, "port": port, "proto": 0, "flags": socket.AI_NUMERICHOST,
             "family": socket.AF_INET6 if ":" in address else socket.AF_INET}
            for address in addresses
        ]  # fmt: skip

    async def close(self) -> None:
        """Nothing to release."""
