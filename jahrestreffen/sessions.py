"""Sessions from the shared cache, written through to the database (Django's `cached_db`),
read in the same round trip to Redis as the page versions every request reads first.

A signed-in request read the versions, then the session, then the person behind it: three
round trips, each about 0.15 ms of CPU in the worker and as much again in Redis
(bench/findings.md). The session key is known as soon as the cookie is, so the store asks
for its entry to be read along with the versions (`events.cache.read_along`); `load()` takes
it from there, and falls back to Django's own `load()` (cache, then database) whenever there
is nothing to take: outside a request, a key read already, or an entry the cache lacks.
"""

import re

from django.conf import settings
from django.contrib.sessions.backends import cached_db

from events.cache import read_along, read_along_result

# What Django's session keys look like (get_random_string with lowercase letters and digits);
# anything else in a cookie is not read along (the store itself then finds no session).
SESSION_KEY = re.compile(r"[a-z0-9]{8,64}")


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        if (
            session_key
            and settings.SESSION_CACHE_ALIAS == "default"  # the cache the versions live in
            and SESSION_KEY.fullmatch(session_key)
        ):
            read_along(self.cache_key)

    def load(self):
        if self.session_key:
            found, data = read_along_result(self.cache_key)
            if found and data is not None:
                return data
        return super().load()
