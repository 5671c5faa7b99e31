"""The client's address behind reverse proxies, and a warning when the proxy setting looks wrong.

`TRUSTED_PROXY_COUNT` says how many reverse proxies in front of the app append to
X-Forwarded-For. Each appends the address it received the request from, so the entry that many
places from the right was written by the outermost proxy of ours; whatever stands left of it
came from the client and may be forged. With no proxy (0) the header is ignored: the address is
the TCP peer's.

A request that carries X-Forwarded-For while the count is 0 suggests a proxy the settings do not
know of: every visitor then shares the proxy's address (one rate limit and one admin lock-out
for everyone) and the forwarded protocol is not trusted. That is logged once per process and
shown by /healthz.
"""

import ipaddress
import logging

from django.conf import settings

logger = logging.getLogger(__name__)

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"

_unexpected_forwarded_seen = False


def client_address(request) -> str:
    """The client's IP address as the outermost trusted proxy saw it (or the TCP peer's)."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [p.strip() for p in request.META.get(FORWARDED_FOR, "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def rate_limit_identity(address: str) -> str:
    """Who a rate limit counts: an IPv4 address as it is, an IPv6 address by its /64 network.

    A household or server is usually given a whole /64 and may use any of its 2**64
    addresses, so counting single IPv6 addresses would be no limit at all.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip), 64), strict=False))
    return str(ip)


def note_forwarded_header(request) -> None:
    """Log, once per process, a forwarded request the proxy setting does not expect."""
    global _unexpected_forwarded_seen
    if (
        not _unexpected_forwarded_seen
        and settings.TRUSTED_PROXY_COUNT == 0
        and FORWARDED_FOR in request.META
    ):
        _unexpected_forwarded_seen = True
        logger.warning(
            "A request came with X-Forwarded-For, but TRUSTED_PROXY_COUNT is 0: behind a "
            "reverse proxy all visitors share its address (rate limits, login lock-outs) and "
            "X-Forwarded-Proto is ignored. Set TRUSTED_PROXY_COUNT to the number of proxies."
        )


def unexpected_forwarded_header_seen() -> bool:
    return _unexpected_forwarded_seen


def forget_unexpected_forwarded_header() -> None:
    """For tests: as if this process had seen no such request yet."""
    global _unexpected_forwarded_seen
    _unexpected_forwarded_seen = False


class ProxySettingCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        note_forwarded_header(request)
        return self.get_response(request)
