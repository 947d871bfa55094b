"""The webhook target policy: http(s) only, no internal addresses unless allowed by CIDR,
checked at registration and again at delivery, where the request goes to the checked address
(DNS rebinding reaches nothing), and ``lastError`` says what failed without telling which
internal ports are open."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hub.bus.memory import MemoryBus
from hub.feed import ChangeFilter, head_seq
from hub.store import Store
from hub.webhooks import DeliverySettings, Webhook, WebhookError, Webhooks, WebhookWorker
from hub.webhooks.targets import TargetPolicy, TargetRefusedError
from tests.feed_support import Department, Receiver, free_port, live_server

pytestmark = pytest.mark.anyio
FAST = DeliverySettings(
    timeout_seconds=2, max_attempts=2, backoff_seconds=0.05, max_backoff_seconds=0.1,
    poll_seconds=0.1,
)  # fmt: skip
STRICT = TargetPolicy()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """SQLite only: the policy does not depend on the store (delivery's store side is tested on
    both in test_webhooks.py)."""
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
    await store.migrate()
    yield store
    await store.dispose()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://127.0.0.1:5432/", "resolves to a loopback address"),
        ("http://127.8.9.10/", "resolves to a loopback address"),
        ("http://localhost:6379/", "resolves to a loopback address"),  # the system's resolver
        ("http://2130706433/", "resolves to a loopback address"),  # 127.0.0.1 as one number
        ("http://0x7f.0.0.1/", "resolves to a loopback address"),
        ("http://[::1]/", "resolves to a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "resolves to a loopback address"),
        ("http://[::ffff:10.0.0.1]/", "resolves to a private address"),
        ("http://[2002:7f00:1::]/", "resolves to a loopback address"),  # 6to4 of 127.0.0.1
        ("http://[64:ff9b::a9fe:a9fe]/", "resolves to a link-local address"),  # NAT64
        ("http://10.1.2.3/hook", "resolves to a private address"),
        ("http://172.16.0.1/", "resolves to a private address"),
        ("https://192.168.1.1/", "resolves to a private address"),
        ("http://[fd00::1]/", "resolves to a private address"),
        ("http://169.254.169.254/latest/meta-data/", "resolves to a link-local address"),
        ("http://[fe80::1]/", "resolves to a link-local address"),
        ("http://224.0.0.1/", "resolves to a multicast address"),
        ("http://[ff02::1]/", "resolves to a multicast address"),
        ("http://0.0.0.0/", "resolves to an unspecified address"),
        ("http://[::]/", "resolves to an unspecified address"),
        ("http://100.64.0.1/", "resolves to a reserved address"),  # carrier-grade NAT
        ("http://240.0.0.1/", "resolves to a reserved address"),
        ("ftp://example.com/hook", "must be an absolute http:// or https:// URL"),
        ("file:///etc/passwd", "must be an absolute http:// or https:// URL"),
        ("gopher://127.0.0.1:6379/_INFO", "must be an absolute http:// or https:// URL"),
        ("//example.com/hook", "must be an absolute http:// or https:// URL"),
        ("http://user:pw@example.com/", "must not carry credentials"),
        ("http://example.com:99999/", "the URL is malformed"),
        ("http://no-such-host.invalid/", "the host does not resolve"),
    ],
)
async def test_the_default_policy_refuses_internal_and_non_http_targets(
    url: str, problem: str
) -> None:
    with pytest.raises(TargetRefusedError, match=f"^target refused: .*{problem}"):
        await STRICT.check(url)


async def test_public_targets_pass_and_allowed_networks_are_the_operators_choice() -> None:
    target = await STRICT.check("https://93.184.216.34/hook?x=1")
    assert (target.host, target.port, str(target.address)) == (
        "93.184.216.34",
        443,
        "93.184.216.34",
    )
    assert (await STRICT.check("http://[2606:4700::1111]:8080/")).pinned == (
        "http://[2606:4700::1111]:8080/"
    )
    internal = TargetPolicy.allowing(["10.1.0.0/16", "127.0.0.0/8"])
    assert str((await internal.check("http://10.1.200.7/")).address) == "10.1.200.7"
    assert str((await internal.check("http://[::ffff:127.0.0.1]/")).address) == "::ffff:7f00:1"
    for still_refused in ("http://10.2.0.1/", "http://169.254.169.254/", "http://[::1]/"):
        with pytest.raises(TargetRefusedError):
            await internal.check(still_refused)


async def test_a_name_with_any_internal_address_is_refused() -> None:
    async def split_horizon(host: str, port: int) -> Sequence[str]:
        return ["93.184.216.34", "10.0.0.5"]

    with pytest.raises(TargetRefusedError, match="resolves to a private address"):
        await TargetPolicy(resolver=split_horizon).check("https://hooks.example/")


async def test_registration_refuses_through_the_registry(store: Store) -> None:
    hooks = Webhooks(store, MemoryBus())
    for url in ("http://127.0.0.1:5432/", "http://169.254.169.254/", "http://[::1]:6379/"):
        with pytest.raises(WebhookError, match="target refused: resolves to a"):
            await hooks.register("probe", url, ChangeFilter())
    assert await hooks.list() == []


class Rebinding:
    """A resolver for ``hooks.example`` whose answer changes after the first lookup, as a DNS
    server with a short TTL controlled by an attacker would make it."""

    def __init__(self, first: str, then: str) -> None:
        self.answers = [first, then]
        self.lookups = 0

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        assert host == "hooks.example"
        self.lookups += 1
        return [self.answers[min(self.lookups, 2) - 1]]


@asynccontextmanager
async def delivering(
    store: Store, policy: TargetPolicy
) -> AsyncIterator[tuple[Webhooks, MemoryBus]]:
    async with MemoryBus() as bus, WebhookWorker(store, bus, FAST, policy=policy):
        yield Webhooks(store, bus, policy=policy), bus


async def settled(hooks: Webhooks, name: str, timeout: float = 10) -> Webhook:
    async with asyncio.timeout(timeout):
        while not (hook := await hooks.get(name)).last_error:
            await asyncio.sleep(0.05)
    return hook


async def test_a_name_rebound_to_an_internal_address_after_registration_reaches_nothing(
    store: Store, tmp_path: Path
) -> None:
    resolver = Rebinding("93.184.216.34", "127.0.0.1")
    fgw = await Department(tmp_path, "fgw", 1, 2).create()
    receiver = Receiver()
    async with live_server(receiver.app) as address:
        port = address.rsplit(":", 1)[1]
        async with delivering(store, TargetPolicy(resolver=resolver)) as (hooks, bus):
            await hooks.register("rebind", f"http://hooks.example:{port}/hook", ChangeFilter())
            await fgw.sync(store, bus.publish)
            hook = await settled(hooks, "rebind")
        await asyncio.sleep(0.2)
    assert hook.last_error is not None
    assert hook.last_error.startswith("target refused: resolves to a loopback address")
    assert receiver.requests == [] and hook.delivered_seq == 0
    assert resolver.lookups >= 2  # registration, then every delivery attempt looks again


async def test_delivery_connects_to_the_checked_address_with_the_registered_host(
    store: Store, tmp_path: Path
) -> None:
    # hooks.example resolves nowhere but in this resolver: the receiver can only be reached
    # through the address the check resolved, never by a second lookup of the system's.
    resolver = Rebinding("127.0.0.1", "127.0.0.1")
    fgw = await Department(tmp_path, "fgw", 1, 2).create()
    receiver = Receiver()
    policy = TargetPolicy.allowing(["127.0.0.0/8"], resolver)
    async with live_server(receiver.app) as address:
        port = address.rsplit(":", 1)[1]
        async with delivering(store, policy) as (hooks, bus):
            await hooks.register(
                "pinned", f"http://hooks.example:{port}/hook", ChangeFilter(), after=0
            )
            await fgw.sync(store, bus.publish)
            await receiver.wait_for(1)
    headers, _ = receiver.requests[0]
    assert headers["host"] == f"hooks.example:{port}"


async def test_last_error_is_the_same_for_closed_and_silent_internal_ports(
    store: Store, tmp_path: Path
) -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()  # an open port that is not an HTTP server (a database, Redis)

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    open_port = server.sockets[0].getsockname()[1]
    fgw = await Department(tmp_path, "fgw", 1, 1).create()
    async with server, delivering(store, TargetPolicy.allowing(["127.0.0.0/8"])) as (hooks, bus):
        await hooks.register("closed", f"http://127.0.0.1:{free_port()}/", ChangeFilter())
        await hooks.register("open", f"http://127.0.0.1:{open_port}/", ChangeFilter())
        await fgw.sync(store, bus.publish)
        closed, opened = await settled(hooks, "closed"), await settled(hooks, "open")
    assert closed.last_error == opened.last_error == "connection failed"


def certificate_for(host: str, directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for ``host`` and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def test_https_to_the_pinned_address_checks_the_certificate_of_the_registered_host(
    store: Store, tmp_path: Path
) -> None:
    cert_file, key_file = certificate_for("hooks.example", tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    hosts: list[str] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        hosts.append(next(h for h in head.split("\r\n") if h.lower().startswith("host:")))
        writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=server_tls)
    port = server.sockets[0].getsockname()[1]
    fgw = await Department(tmp_path, "fgw", 1, 1).create()
    trusting = ssl.create_default_context(cafile=str(cert_file))
    policy = TargetPolicy.allowing(["127.0.0.0/8"], Rebinding("127.0.0.1", "127.0.0.1"))
    async with server, MemoryBus() as bus, httpx.AsyncClient(verify=trusting) as client:
        hooks = Webhooks(store, bus, policy=policy)
        async with WebhookWorker(store, bus, FAST, client=client, policy=policy):
            await hooks.register("tls", f"https://hooks.example:{port}/", ChangeFilter(), after=0)
            await fgw.sync(store, bus.publish)
            async with asyncio.timeout(10):
                while not (await hooks.get("tls")).delivered_seq:
                    await asyncio.sleep(0.05)
    assert hosts[0].lower() == f"host: hooks.example:{port}"
    # The same address under a name the certificate does not name: the TLS check refuses it.
    other = TargetPolicy.allowing(["127.0.0.0/8"], loopback)
    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=server_tls)
    port = server.sockets[0].getsockname()[1]
    async with server, MemoryBus() as bus, httpx.AsyncClient(verify=trusting) as client:
        hooks = Webhooks(store, bus, policy=other)
        async with WebhookWorker(store, bus, FAST, client=client, policy=other):
            await hooks.register("wrong-name", f"https://other.example:{port}/", ChangeFilter())
            await fgw.rename([1])
            await fgw.sync(store, bus.publish)
            hook = await settled(hooks, "wrong-name")
    assert hook.last_error == "connection failed" and hook.delivered_seq < await head_seq(store)


async def loopback(host: str, port: int) -> Sequence[str]:
    """A resolver that answers 127.0.0.1 for every name."""
    return ["127.0.0.1"]
