"""Property-based tests: whatever a browser or a file sends, the answer is a page with a clear
message or a success (never a server error), and what is stored stays valid.

Hypothesis shares one function-scoped database transaction between its examples, so each
example runs in a savepoint that is rolled back (`rolled_back`), and the rate-limit counters
are cleared at its start.
"""

from contextlib import contextmanager

from django.core.cache import cache
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Bounded work per property; the database fixtures are function-scoped on purpose (see above).
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Every plane, RTL, combining marks, control characters and NUL; not lone surrogates, which
# no browser can send (they have no UTF-8 form).
CHARACTERS = st.characters(exclude_categories=("Cs",))

SPECIMENS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00@example.org",
    "anna\x00@stadt.example.org",
    "\r\n",
    "\x1b[31mrot",
    "\u202egnirts desrever",
    "שלום עולם",
    "مرحبا بالعالم",
    "\u0645\u200f\u200e",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀 \U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\U0010ffff\U000e0001\ufeff\ufffe\uffff",
    "Z\u0351\u0352\u0353\u0354\u0355",
    "9" * 400,
    "-1",
    "0",
    "1e309",
    "NaN",
    "-9223372036854775809",
    str(2**64),
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".de",  # 254 characters
    "ä@ä.de",
    "x@[127.0.0.1]",
]

nasty_text = st.one_of(
    st.text(CHARACTERS, max_size=40),
    st.sampled_from(SPECIMENS),
    # very long: a few characters repeated up to 20,000 times
    st.builds(
        lambda s, n: s * n, st.text(CHARACTERS, min_size=1, max_size=3), st.integers(50, 20_000)
    ),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
)


def maybe(*valid):
    """A valid value now and then, so that examples also get past the first check."""
    return st.one_of(st.sampled_from(valid), nasty_text)


@contextmanager
def rolled_back():
    with transaction.atomic():
        cache.clear()
        yield
        transaction.set_rollback(True)


def has_no_control_characters(value: str) -> bool:
    return not any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value) and "\x00" not in value


def assert_clear_answer(response, *ok_statuses):
    """A success, or a page that says what is wrong."""
    assert response.status_code in ok_statuses, response.status_code
    if response.status_code == 400 and response.context is not None:
        forms = [c for c in ("form",) if c in response.context]
        if forms:
            assert response.context["form"].errors
