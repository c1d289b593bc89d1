"""Passwords in storage URLs never reach output, however they are spelled: with an
unencoded @, :, / or %, percent-encoded or not; and such passwords work."""

from __future__ import annotations

import json
import socket
import uuid
from urllib.parse import quote

import optuna
import psycopg
import pytest

from autolr.store.storage import redact, scrub
from tests.helpers import assert_clean_error, invoke

# Each holds one of the characters that break URL parsing, and a "p" so that a wrong
# parse (which once called the password "p") would show.
PASSWORDS = ["pa@ss-Word17xy", "pa:ss-Word17xy", "pa/ss-Word17xy", "pa%ss-Word17xy", "p@:/%w0rd-Zq"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _forms(password: str) -> set[str]:
    return {password, quote(password, safe=""), quote(password, safe=" +")}


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("encoded", [False, True])
def test_redact_hides_the_whole_user_info(password: str, encoded: bool) -> None:
    typed = quote(password, safe="") if encoded else password
    url = f"postgresql://alice:{typed}@db.example:5432/studies"
    assert redact(url) == "postgresql://***@db.example:5432/studies"
    message = f"cannot connect to {url}: password {password} ({quote(password, safe='')}) failed"
    # Everything but the secret survives (a wrong parse once turned every "p" into ***).
    assert scrub(message, url) == (
        "cannot connect to postgresql://***@db.example:5432/studies: password *** (***) failed"
    )


def test_urls_without_user_info_are_left_alone() -> None:
    for url in ("sqlite:///studies/autolr.db", "sqlite:////data/a@b/x.db", "postgresql://h/db"):
        assert redact(url) == url
        assert scrub(f"error at {url}", url) == f"error at {url}"


def test_a_user_name_without_a_password_is_hidden_in_the_url_only() -> None:
    """Not scrubbed from the rest of the message: it is no secret, and a short one ("u")
    would garble every word that holds it."""
    result = invoke("studies", "--storage", "mysql://u@h/db")
    assert_clean_error(result, "unsupported storage 'mysql://***@h/db': use sqlite:///PATH")


@pytest.mark.parametrize("password", PASSWORDS)
def test_unreachable_server_with_an_odd_password_shows_none_of_it(password: str) -> None:
    url = f"postgresql://autolr:{password}@127.0.0.1:{_closed_port()}/studies"
    for args in (["studies"], ["best", "--study", "x"]):
        result = invoke(*args, "--storage", url)
        assert_clean_error(result, "cannot open storage postgresql://***@127.0.0.1:")
        for form in _forms(password):
            assert form not in result.output


def test_odd_passwords_work_as_typed_on_a_real_server(postgres_url: str) -> None:
    """A role whose password holds all four characters, unencoded in --storage."""
    password = "p@:/%w0rd-Zq"
    with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS odd_user")
        admin.execute(f"CREATE ROLE odd_user LOGIN SUPERUSER PASSWORD '{password}'")
    host = postgres_url.rsplit("@", 1)[1]  # 127.0.0.1:PORT/DB
    encoded = f"postgresql+psycopg://odd_user:{quote(password, safe='')}@{host}"
    name = f"odd-secret-{uuid.uuid4().hex[:8]}"  # the server may outlive this run
    optuna.create_study(study_name=name, storage=encoded)
    typed = f"postgresql://odd_user:{password}@{host}"
    result = invoke("studies", "--storage", typed, "--json")
    assert result.exit_code == 0, result.output
    # JSON, not the table: other tests' studies on this server make the table wrap names.
    assert name in [row["study"] for row in json.loads(result.stdout)]
    wrong = invoke("studies", "--storage", typed.replace("w0rd", "w1rd"))
    assert_clean_error(wrong, 'password authentication failed for user "odd_user"')
    for output in (result.output, wrong.output):
        for form in _forms(password) | _forms(password.replace("w0rd", "w1rd")):
            assert form not in output
