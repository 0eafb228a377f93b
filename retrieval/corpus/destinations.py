"""Where intake may connect: public addresses only, unless the operator lists a private one (INTAKE_ALLOW_PRIVATE).

A feed or a page chooses the addresses intake fetches; without this check it could make the bot read a
service on the bot's own machine or network (an admin panel, a cloud metadata endpoint) and quote it to
everyone. The check is made on the address a connection is about to use, after DNS, so a public name that
resolves to 127.0.0.1 and a redirect to a private address are refused alike.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT


@dataclass(frozen=True)
class Destinations:
    """The non-public destinations allowed: `host:port` pairs (a name or an address) and networks (CIDR)."""

    endpoints: frozenset[tuple[str, int]] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, entries: str | Iterable[str]) -> Destinations:
        """From `"127.0.0.1:8080, [::1]:8080, intranet.local:80, 10.0.0.0/8"`; ValueError names a bad entry."""
        if isinstance(entries, str):
            entries = entries.split(",")
        endpoints, networks = set(), []
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            host, port = _host_port(entry)
            endpoints.add((host, port))
        return cls(frozenset(endpoints), tuple(networks))

    def refusal(self, host: str, port: int, address: str) -> str | None:
        """Why connecting to `address` (resolved from `host`) on `port` is refused; None when it is allowed."""
        ip = ipaddress.ip_address(address.split("%")[0])
        kind = non_public(ip)
        if kind is None:
            return None
        if {(host.lower().strip("[]"), port), (str(ip), port)} & self.endpoints:
            return None
        if any(ip.version == net.version and ip in net for net in self.networks):
            return None
        named = host if host.strip("[]") == str(ip) else f"{host} ({ip})"
        return f"not fetched: {named} is {kind} address, and INTAKE_ALLOW_PRIVATE does not list {_endpoint(str(ip), port)}"


def non_public(ip: Address) -> str | None:
    """What kind of non-public address `ip` is ("a loopback", "a private" …), None for a public one.

    IPv6 forms that carry an IPv4 address (mapped, 6to4, Teredo, NAT64) are judged by that address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None) \
            or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None)
        if embedded is not None and (kind := non_public(embedded)):
            return kind
    if ip.is_loopback:
        return "a loopback"
    if ip.is_unspecified:
        return "an unspecified"
    if ip.is_link_local:
        return "a link-local"
    if ip.is_multicast:
        return "a multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "a shared (carrier-grade NAT)"
    if ip.is_private:
        return "a private"
    if ip.is_reserved or not ip.is_global:
        return "a reserved"
    return None


def _host_port(entry: str) -> tuple[str, int]:
    host, colon, port = entry.rpartition(":")
    if not colon or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"{entry!r} is neither host:port (port 1-65535) nor a network such as 10.0.0.0/8")
    host = host.lower()
    if host.startswith("[") != host.endswith("]"):
        raise ValueError(f"{entry!r}: an IPv6 address needs both brackets, as [::1]:8080")
    host = host.removeprefix("[").removesuffix("]")
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        if ":" in host or not host:
            raise ValueError(f"{entry!r}: write an IPv6 address in brackets, as [::1]:8080") from None
        if not host.isascii():  # a name in Arabic letters, as connections carry it (xn--…)
            import idna

            try:
                host = idna.encode(host, uts46=True).decode("ascii")
            except idna.IDNAError as e:
                raise ValueError(f"{entry!r}: not a host name ({e})") from None
    return host, int(port)


def _endpoint(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
