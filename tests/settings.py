"""The project's settings for the test suite, with a key of its own.

With DEBUG off (as in every test) the settings refuse to start on the public development key,
so the suite brings its own. Subprocesses started by tests inherit it unless they drop it, as
tests/test_deploy.py does to test that refusal.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-key-b6e1f0c4a97d4d2e8a5f3c1b9e7d6a4f2c0b8e6d")

from jahrestreffen.settings import *  # noqa: E402, F403
