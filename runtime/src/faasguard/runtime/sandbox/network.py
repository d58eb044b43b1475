"""Outbound network allow-list: parsing the entries once, matching an address per call.

Entries (strings):
  "host:port"            exact DNS name, one port ("api.example.com:443")
  "*.example.com:443"    any name ending in ".example.com" (any depth; not the apex)
  "*:443"                any destination on port 443
  "10.0.0.0/8:5432"      an IPv4 address or network
  "[2001:db8::/32]:443"  an IPv6 address or network (brackets when a port follows)
  "2001:db8::1"          an IPv6 address, any port
  "unix:/run/app.sock"   one Unix domain socket path
The port part may be a number, a range "8000-8100" or "*"; without it, any port.

Names are checked when they are looked up (DNS) and when a socket connects to a name.
The sandbox remembers which names resolved to which addresses (see `remember`), so a
connect to an address is allowed when an IP rule matches it, or when a name that
resolved to it matches a name rule with that port.
"""

from __future__ import annotations

import _socket

ANY_PORT = (0, 65535)

# Reached through a name rule, these are refused unless an IP rule lists them: a DNS
# answer must not be able to point an allowed name at the instance metadata service.
_LINK_LOCAL = ((4, 0xA9FE0000, 0xA9FEFFFF),  # 169.254.0.0/16
               (6, 0xFE80 << 112, (0xFE80 << 112) | ((1 << 118) - 1)),  # fe80::/10
               (6, 0xFD000EC2 << 96 | 0x254, 0xFD000EC2 << 96 | 0x254))  # fd00:ec2::254

_MAX_REMEMBERED = 4096
_resolved: dict[tuple[int, int], frozenset[str]] = {}
"""Address -> the names that resolved to it, filled by the DNS wrappers in `hook`."""


class NetworkRuleError(ValueError):
    """An allow-list entry the sandbox cannot parse (raised at construction)."""


def parse_ip(text: str) -> tuple[int, int] | None:
    """`(4, int)` or `(6, int)` for an IP literal, else None. IPv4-mapped IPv6
    addresses count as IPv4, so "::ffff:10.0.0.1" meets the rules for 10.0.0.1."""
    if "%" in text:
        text = text.split("%", 1)[0]  # IPv6 zone id
    try:
        return 4, int.from_bytes(_socket.inet_pton(_socket.AF_INET, text), "big")
    except OSError:
        pass
    try:
        value = int.from_bytes(_socket.inet_pton(_socket.AF_INET6, text), "big")
    except (OSError, ValueError):
        return None
    if value >> 32 == 0xFFFF:
        return 4, value & 0xFFFFFFFF
    return 6, value


def normalize_name(host: str | bytes) -> str:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    return host.rstrip(".").lower()


def remember(name: str | bytes, addresses: list[str]) -> None:
    """Record that `name` resolved to `addresses` (called after each lookup)."""
    key = normalize_name(name)
    if len(_resolved) >= _MAX_REMEMBERED:
        _resolved.clear()  # rare; lookups refill it and an unknown address fails closed
    for text in addresses:
        ip = parse_ip(text)
        if ip is not None:
            known = _resolved.get(ip)
            if known is None or key not in known:
                _resolved[ip] = (known or frozenset()) | {key}


def names_for(ip: tuple[int, int]) -> frozenset[str]:
    return _resolved.get(ip, frozenset())


def _parse_ports(text: str, entry: str) -> tuple[int, int]:
    if text in ("", "*"):
        return ANY_PORT
    low, _, high = text.partition("-")
    try:
        ports = (int(low), int(high or low))
    except ValueError:
        raise NetworkRuleError(f"bad port {text!r} in network rule {entry!r}") from None
    if not 0 <= ports[0] <= ports[1] <= 65535:
        raise NetworkRuleError(f"bad port range {text!r} in network rule {entry!r}")
    return ports


def _split(entry: str) -> tuple[str, str]:
    """(host, port text) for the entry forms in the module docstring."""
    if entry.startswith("["):
        host, sep, rest = entry[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise NetworkRuleError(f"bad network rule {entry!r}")
        return host, rest[1:]
    if entry.count(":") > 1:
        return entry, ""  # bare IPv6 literal or network: no port
    host, _, port = entry.partition(":")
    return host, port


def _parse_network(host: str) -> tuple[int, int, int] | None:
    """(version, first, last) for an IP address or CIDR, else None (a name)."""
    address, slash, bits_text = host.partition("/")
    ip = parse_ip(address)
    if ip is None:
        if slash:
            raise NetworkRuleError(f"bad network {host!r}")
        return None
    version, value = ip
    written_width = 128 if ":" in address else 32
    try:
        bits = int(bits_text) if slash else written_width
    except ValueError:
        raise NetworkRuleError(f"bad prefix length in {host!r}") from None
    if version == 4 and written_width == 128:
        bits -= 96  # an IPv4-mapped IPv6 network: rule applies to the IPv4 form
    width = 32 if version == 4 else 128
    if not 0 <= bits <= width:
        raise NetworkRuleError(f"bad prefix length in {host!r}")
    span = (1 << (width - bits)) - 1
    first = value & ~span
    return version, first, first | span


def _valid_name(name: str) -> bool:
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789-._")
    return bool(name) and set(name) <= allowed and ".." not in name


class NetworkPolicy:
    """The parsed allow-list. `allow_all` short-cuts everything (network=True)."""

    __slots__ = ("allow_all", "any_host", "exact", "ip_rules", "passed", "suffixes",
                 "unix_paths")

    def __init__(self, entries: object) -> None:
        self.allow_all = entries is True
        self.exact: dict[str, tuple[tuple[int, int], ...]] = {}
        self.suffixes: tuple[tuple[str, tuple[int, int]], ...] = ()
        self.any_host: tuple[tuple[int, int], ...] = ()
        self.ip_rules: tuple[tuple[int, int, int, tuple[int, int]], ...] = ()
        self.unix_paths: frozenset[str] = frozenset()
        self.passed: set[object] = set()
        """Destinations already allowed, (host, port) as the socket saw them. Only
        successes are kept: a refusal may turn into a success after a lookup."""
        if entries is True or entries is False or entries is None:
            return
        if isinstance(entries, (str, bytes)) or not hasattr(entries, "__iter__"):
            raise NetworkRuleError("network must be True, False or a list of "
                                   "'host:port' strings")
        exact: dict[str, list[tuple[int, int]]] = {}
        suffixes, any_host, ip_rules, unix = [], [], [], set()
        for raw in entries:
            if not isinstance(raw, str) or not raw.strip():
                raise NetworkRuleError(f"bad network rule {raw!r}")
            entry = raw.strip()
            if entry.startswith("unix:"):
                unix.add(entry[5:])
                continue
            host, port_text = _split(entry)
            ports = _parse_ports(port_text, entry)
            network = _parse_network(host)
            if network is not None:
                ip_rules.append((*network, ports))
                continue
            name = normalize_name(host)
            if name == "*":
                any_host.append(ports)
            elif name.startswith("*.") and _valid_name(name[2:]) and "*" not in name[2:]:
                suffixes.append((name[1:], ports))
            elif _valid_name(name) and "*" not in name:
                exact.setdefault(name, []).append(ports)
            else:
                raise NetworkRuleError(f"bad host {host!r} in network rule {entry!r}")
        self.exact = {name: tuple(ports) for name, ports in exact.items()}
        self.suffixes = tuple(suffixes)
        self.any_host = tuple(any_host)
        self.ip_rules = tuple(ip_rules)
        self.unix_paths = frozenset(unix)

    def _name_ports(self, name: str) -> list[tuple[int, int]]:
        ports = list(self.exact.get(name, ()))
        for suffix, suffix_ports in self.suffixes:
            if name.endswith(suffix):
                ports.append(suffix_ports)
        return ports

    def name_allowed(self, name: str) -> bool:
        """May this name be looked up at all (DNS), whatever the port?"""
        return self.allow_all or bool(self.any_host) or bool(self._name_ports(name))

    def name_port_allowed(self, name: str, port: int) -> bool:
        if self.allow_all:
            return True
        return any(lo <= port <= hi for lo, hi in (*self.any_host, *self._name_ports(name)))

    def ip_port_allowed(self, ip: tuple[int, int], port: int) -> bool:
        """An IP rule lists it, or a name that resolved to it is allowed on this port."""
        if self.allow_all or any(lo <= port <= hi for lo, hi in self.any_host):
            return True
        version, value = ip
        for rule_version, first, last, (lo, hi) in self.ip_rules:
            if rule_version == version and first <= value <= last and lo <= port <= hi:
                return True
        if any(v == version and first <= value <= last for v, first, last in _LINK_LOCAL):
            return False
        return any(self.name_port_allowed(name, port) for name in names_for(ip))

    @property
    def has_names(self) -> bool:
        return bool(self.exact or self.suffixes)

    def ip_listed(self, ip: tuple[int, int]) -> bool:
        """Does an IP rule (any port) or "*" cover this address?"""
        if self.allow_all or self.any_host:
            return True
        return any(version == ip[0] and first <= ip[1] <= last
                   for version, first, last, _ in self.ip_rules)

    def address_allowed(self, host: str | bytes, port: int) -> bool:
        """For connect/sendto: `host` is an IP literal or a name the socket resolves."""
        if self.allow_all or (host, port) in self.passed:
            return True
        if self._address_allowed(host, port):
            self.mark_passed((host, port))
            return True
        return False

    def mark_passed(self, key: object) -> None:
        if len(self.passed) >= _MAX_REMEMBERED:
            self.passed.clear()
        self.passed.add(key)

    def _address_allowed(self, host: str | bytes, port: int) -> bool:
        text = normalize_name(host)
        if text in ("", "<any>"):
            text = "0.0.0.0"
        elif text == "<broadcast>":
            text = "255.255.255.255"
        ip = parse_ip(text)
        if ip is not None:
            return self.ip_port_allowed(ip, port)
        return self.name_port_allowed(text, port)

    def unix_allowed(self, path: str | bytes) -> bool:
        if self.allow_all:
            return True
        if isinstance(path, bytes):
            path = path.decode("utf-8", "replace")
        return path in self.unix_paths
