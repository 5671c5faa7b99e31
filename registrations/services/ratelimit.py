"""Rate limits for requests that send mail or probe the directory, counted in the shared cache."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..text import normalise_email


class RateLimited(ValidationError):
    """Too many requests from one address or client."""


def _hit(key: str, *, limit: int, window: int) -> bool:
    """Count one request under `key`; True while the count stays within `limit` per window."""
    client = _redis()
    if client is not None:
        # One round trip instead of two (add, incr): the counter starts with the window's
        # expiry if it is new, then counts. Redis keeps the expiry through INCR.
        name = cache.client.make_key(key)
        pipe = client.pipeline(transaction=False)
        pipe.set(name, 0, ex=window, nx=True)
        pipe.incr(name)
        _created, count = pipe.execute()
        return count <= limit
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


def _redis():
    """The Redis client behind the cache (django-redis, as in production), else None."""
    client = getattr(cache, "client", None)
    get_client = getattr(client, "get_client", None)
    return get_client(write=True) if get_client else None


def _key_part(value: str) -> str:
    """A fixed-length, ASCII stand-in: a 254-character address or a forwarded header would
    make a cache key longer than memcached's 250 characters, or put spaces into it."""
    return hashlib.sha256(value.encode()).hexdigest()


def rate_limit_changes(*, keys: list[str]) -> None:
    """Count one registration or cancellation under each key (a contact person, a manage
    link); over REGISTRATION_RATE_PER_PERSON in the window it is refused (RateLimited), so
    nothing changes and no mail goes out: the registration form is no mail relay."""
    window = settings.REGISTRATION_RATE_WINDOW
    hits = [
        _hit(
            f"rl:change:{_key_part(key)}",
            limit=settings.REGISTRATION_RATE_PER_PERSON,
            window=window,
        )
        for key in keys
    ]
    if not all(hits):
        raise RateLimited(
            _(
                "You have registered or cancelled too often in a short time, so nothing was "
                "changed and no mail was sent. Please try again in %(minutes)d minutes or "
                "contact the organisers."
            )
            % {"minutes": max(1, window // 60)},
            code="rate_limited",
        )


def rate_limit_client(*, scope: str, client_ip: str) -> None:
    """Count one request of a client; over SIGN_IN_RATE_PER_IP in the window it is refused
    (RateLimited). For look-ups that must not be tried in bulk, such as certificate codes."""
    window = settings.SIGN_IN_RATE_WINDOW
    if not _hit(
        f"rl:{scope}:ip:{_key_part(client_ip)}",
        limit=settings.SIGN_IN_RATE_PER_IP,
        window=window,
    ):
        raise RateLimited(
            _("Too many requests. Please wait %(minutes)d minutes and try again.")
            % {"minutes": max(1, window // 60)},
            code="rate_limited",
        )


def rate_limit_check(*, scope: str, email: str, client_ip: str) -> bool:
    """Count one request. Too many from one client are refused (RateLimited); too many for one
    address are answered as usual but send nothing (returns False), so nobody can lock a
    colleague out by asking for their links, and the answer still says nothing about the
    address."""
    rate_limit_client(scope=scope, client_ip=client_ip)
    return _hit(
        f"rl:{scope}:addr:{_key_part(normalise_email(email))}",
        limit=settings.SIGN_IN_RATE_PER_ADDRESS,
        window=settings.SIGN_IN_RATE_WINDOW,
    )
