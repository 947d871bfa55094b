"""Where a webhook may point: the target policy that keeps the hub from being an SSRF proxy.

A target is an absolute ``http://`` or ``https://`` URL whose host resolves only to public
addresses. Loopback, link-local (169.254.169.254, the cloud metadata service), private,
multicast, unspecified and reserved addresses are refused, in IPv4 and IPv6, including IPv4
addresses carried inside IPv6 ones (``::ffff:127.0.0.1``, 6to4, Teredo, NAT64), unless the
operator allows them by CIDR (``[webhooks] allow_cidrs``).

The check runs at registration and again before every page of deliveries, and the delivery
connects to the very address that was checked (``Target.pinned``), never to the answer of a
second lookup, so a name that re-resolves to an internal address after the check (DNS
rebinding) reaches nothing. Refusals say what kind of address was found, not which one, and
never what a connection to it would have answered.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from hub.errors import HubError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# host, port -> the addresses it resolves to; injected so that tests can rebind a name.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class TargetRefusedError(HubError, ValueError):
    """Raised when a webhook URL is not an http(s) URL or its host resolves to an address the
    target policy refuses; the message says why in general terms (``target refused: ...``)."""

    def __init__(self, problem: str, hint: str = "") -> None:
        self.problem = problem
        self.hint = hint
        super().__init__(f"target refused: {problem}" + (f" ({hint})" if hint else ""))


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """The addresses the system's resolver gives for ``host`` (every family)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client; the server is public by construction
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_class(address: IPAddress) -> str | None:
    """What kind of non-public address ``address`` is ("loopback", "private", ...), or None
    for a public one. An IPv6 address carrying an IPv4 one is judged by both."""
    inner = embedded_ipv4(address)
    if inner is not None:
        found = address_class(inner)
        if found is not None:
            return found
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("reserved", not address.is_global),
    )
    return next((name for name, hit in checks if hit), None)


@dataclass(frozen=True, slots=True)
class Target:
    """A checked target: the URL as registered and the address its host resolved to."""

    url: str
    host: str
    port: int
    address: IPAddress

    @property
    def pinned(self) -> str:
        """The URL with its host replaced by the checked address (the request's ``Host`` header
        and TLS server name keep the registered host: see ``request_options``)."""
        parts = urlsplit(self.url)
        host = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        netloc = f"{host}:{self.port}"
        return parts._replace(netloc=netloc).geturl()

    def request_options(self) -> dict[str, Any]:
        """httpx keyword arguments that send the request to ``pinned`` as if to ``url``: the
        ``Host`` header of the URL, and its host as TLS server name (certificates are checked
        against it)."""
        parts = urlsplit(self.url)
        default = _DEFAULT_PORTS[parts.scheme]
        host_header = self.host if self.port == default else f"{self.host}:{self.port}"
        if ":" in self.host:  # an IPv6 literal
            host_header = f"[{self.host}]" + ("" if self.port == default else f":{self.port}")
        return {"headers": {"host": host_header}, "extensions": {"sni_hostname": self.host}}


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    """Which targets webhooks may have: public addresses, and those in ``allow`` (CIDRs)."""

    allow: tuple[IPNetwork, ...] = ()
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def allowing(
        cls, cidrs: Iterable[str | IPNetwork], resolver: Resolver | None = None
    ) -> TargetPolicy:
        networks = tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)
        return cls(networks, resolver or system_resolver)

    def allows(self, address: IPAddress) -> bool:
        candidates = [address]
        inner = embedded_ipv4(address)
        if inner is not None:
            candidates.append(inner)
        if any(a in net for a in candidates for net in self.allow if a.version == net.version):
            return True
        return address_class(address) is None

    @staticmethod
    def parse(url: str) -> tuple[str, int]:
        """The host and port of an http(s) URL; refused otherwise."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise TargetRefusedError(
                "the URL is malformed", "use an absolute http:// or https:// URL"
            ) from None
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise TargetRefusedError("the URL must be an absolute http:// or https:// URL")
        if parts.username is not None or parts.password is not None:
            raise TargetRefusedError("the URL must not carry credentials")
        return parts.hostname, port or _DEFAULT_PORTS[parts.scheme]

    async def check(self, url: str) -> Target:
        """The target ``url`` points to, resolved now; refused when any address its host
        resolves to is refused (a name with one internal address is not a public target)."""
        host, port = self.parse(url)
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                answers = await self.resolver(host, port)
            except (OSError, UnicodeError):
                raise TargetRefusedError("the host does not resolve") from None
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in answers]
        if not addresses:
            raise TargetRefusedError("the host does not resolve")
        for address in addresses:
            if not self.allows(address):
                kind = address_class(address) or "refused"
                article = "an" if kind[0] in "aeiou" else "a"
                raise TargetRefusedError(
                    f"resolves to {article} {kind} address",
                    "an operator can allow its network with [webhooks] allow_cidrs",
                )
        return Target(url, host, port, addresses[0])
