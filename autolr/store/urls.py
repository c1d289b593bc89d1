"""Storage URLs and their secrets: the user-info part (user and password) is found by
plain string rules, never by a URL parser's guess.

A password may hold an unencoded `@`, `:`, `/` or `%` (people paste them as they are). A
parser then splits the URL in the wrong place and calls part of the password a host, so
redacting "the password it found" leaks the rest. Here the user-info is everything
between `://` and the last `@`: it is hidden whole in messages, and percent-encoded
before SQLAlchemy parses the URL, so such passwords also simply work.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

HIDDEN = "***"


def _userinfo_span(url: str) -> tuple[int, int] | None:
    """Start and end of the user-info in `url` (end is the last `@`), or None."""
    scheme = url.find("://")
    if scheme < 0:
        return None
    start = scheme + 3
    if url.startswith("/", start):  # sqlite:////path@odd/x.db: no authority at all
        return None
    end = url.rfind("@", start)
    return (start, end) if end >= 0 else None


def redact(url: str) -> str:
    """The URL with its whole user-info replaced by ***: `postgresql://***@host/db`."""
    span = _userinfo_span(url)
    if span is None:
        return url
    start, end = span
    return f"{url[:start]}{HIDDEN}{url[end:]}"


def encode_userinfo(url: str) -> str:
    """The URL with user and password percent-encoded, as a URL parser needs them."""
    span = _userinfo_span(url)
    if span is None:
        return url
    start, end = span
    user, colon, password = url[start:end].partition(":")
    info = _encode(user) + (f":{_encode(password)}" if colon else "")
    return f"{url[:start]}{info}{url[end:]}"


def _encode(part: str) -> str:
    return quote(unquote(part), safe="")


def secrets(url: str) -> list[str]:
    """Every spelling of the URL's password that a message could hold (with its user
    name as typed; alone as typed, decoded and encoded), longest first
    so that no shorter form leaves part of a longer one behind."""
    span = _userinfo_span(url)
    if span is None:
        return []
    info = url[span[0] : span[1]]
    _, colon, typed = info.partition(":")
    # A user name alone is no secret (servers print it in their errors), and scrubbing a
    # short one, such as "u", from a whole message would garble every word holding it.
    forms = {info} if colon else set()
    for password in (typed, unquote(typed)):
        # As typed, decoded, fully encoded, and as SQLAlchemy renders it into a URL.
        forms |= {password, quote(password, safe=""), quote(password, safe=" +")}
    return sorted((form for form in forms if form), key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """Remove the URL's user-info and password from any text (driver errors echo them)."""
    text = text.replace(url, redact(url))
    for form in secrets(url):
        text = text.replace(form, HIDDEN)
    return text
