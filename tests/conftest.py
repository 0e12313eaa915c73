"""Shared test builders. Small factories per test, no global dataset (STYLE §8)."""

from __future__ import annotations

import itertools
import socket

import pytest
from django.conf import settings as django_settings
from hypothesis import settings as hypothesis_settings

from kizuna.core.models import Role, Team, User
from kizuna.core.services import create_user

# No per-example deadline: it is a timing assertion, and on a loaded 2-core CI machine it fails
# tests whose behaviour is fine. Slowness is measured by benchmarks/, not by unit tests.
hypothesis_settings.register_profile("kizuna", deadline=None)
hypothesis_settings.load_profile("kizuna")

PASSWORD = "correct-horse-battery-42"
PRODUCTION_HASHERS = list(django_settings.PASSWORD_HASHERS)
_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests cannot reach the network: only loopback connections are allowed (STYLE §8)."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in {"127.0.0.1", "localhost", "::1"} \
                and self.family != socket.AF_UNIX:
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # Argon2 is deliberately slow; tests that are not about hashing use a fast hasher.
    # test_passwords_are_hashed_with_argon2 puts the production setting back.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db):  # type: ignore[no-untyped-def]
    def build(role: str = Role.MEMBER, *, teams: list[Team] | None = None,
              username: str | None = None, **fields: object) -> User:
        return create_user(actor=None, username=username or f"user{next(_seq)}",
                           password=PASSWORD, role=role, teams=teams, **fields)

    return build


@pytest.fixture
def make_team(db):  # type: ignore[no-untyped-def]
    def build(name: str | None = None) -> Team:
        return Team.objects.create(name=name or f"team{next(_seq)}")

    return build


@pytest.fixture
def admin_user(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.ADMINISTRATOR, username="boss")


# --- every template is rendered by some test (STYLE §8) ---------------------------------------

_RENDERED: set[str] = set()


def _record_template(sender: object, template: object, context: object, **kwargs: object) -> None:
    name = getattr(template, "name", None)
    if name:
        _RENDERED.add(name)


def pytest_configure(config: pytest.Config) -> None:
    from django.test.signals import template_rendered

    template_rendered.connect(_record_template, weak=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """On a full run, fail if a template of ours was never rendered by any test."""
    from pathlib import Path

    import kizuna

    full_run = not session.config.option.keyword and not session.config.option.markexpr and \
        all(Path(arg).resolve().name == "tests" for arg in session.config.args)
    if not full_run or exitstatus != 0 or session.testscollected == 0:
        return
    package = Path(kizuna.__file__).parent
    ours = {
        str(path.relative_to(folder))
        for folder in package.glob("*/templates")
        for path in folder.rglob("*.html")
    }
    never = sorted(ours - _RENDERED)
    if never:
        session.config.get_terminal_writer().line(
            "templates no test renders: " + ", ".join(never), red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
