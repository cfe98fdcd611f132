"""Database URLs: their form, the driver, and the password kept out of every message.

A URL comes from the command line, the environment or the config file; the app's start reads a
PostgreSQL URL as libpq reads it (without SQLAlchemy), the engine as SQLAlchemy reads it. Where
the two readers differ, the password is kept whole and never shown: :func:`safe_url` is the only
form of a URL that goes into a message, the config file or the keyring's key.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from relaytui import config
from relaytui.errors import StoreError
from relaytui.i18n import _

#: Seconds to wait for a PostgreSQL server before saying it cannot be reached.
CONNECT_TIMEOUT = 5


def make_url(url: str):
    from sqlalchemy.engine import make_url as parse

    return parse(url)


def sqlite_file_of(url: str) -> Path | None:
    """The file of a plain ``sqlite:///path`` URL without parsing it with SQLAlchemy, or None
    when the URL is anything else (then the full path below is taken)."""
    scheme, sep, rest = url.partition("://")
    if (
        not sep
        or scheme not in ("sqlite", "sqlite+pysqlite")
        or "?" in rest
        or not rest.startswith("/")
    ):
        return None
    path = rest[1:]
    return Path(path) if path and path != ":memory:" else None


#: The schemes of a PostgreSQL URL for psycopg ("postgres" as libpq and many hosting
#: services write it); normalise_url writes the second.
PG_SCHEMES = ("postgresql", "postgresql+psycopg", "postgres")


def is_postgresql(url: str) -> bool:
    return url.partition("://")[0] in PG_SCHEMES


def _split_password(rest: str) -> tuple[str, str, str] | None:
    """``rest`` (a URL after its "://") as user, password and what follows them, or None
    without a password. The password is read as SQLAlchemy, the engine's reader, reads it:
    from the first ":" to the next "@", so a "/", "?" or "#" in it is part of it (urlsplit and
    libpq would end it there, and show or misread the rest)."""
    user, colon, after = rest.partition(":")
    password, at, address = after.partition("@")
    return (user, password, address) if colon and at and "/" not in user else None


#: Query parameters that hold a secret (libpq's); a message never shows their values.
SECRET_PARAMETERS = frozenset(
    {"password", "sslpassword", "oauth_client_secret", "scram_client_key", "scram_server_key"}
)
#: libpq's other connection parameters: where, in a query, a secret's value surely ends.
_LIBPQ_PARAMETERS = frozenset(
    """
    host hostaddr port dbname user passfile require_auth channel_binding connect_timeout
    client_encoding options application_name fallback_application_name keepalives
    keepalives_idle keepalives_interval keepalives_count tcp_user_timeout replication gssencmode
    sslmode requiressl sslnegotiation sslcompression sslcert sslkey sslkeylogfile sslcertmode
    sslrootcert sslcrl sslcrldir sslsni requirepeer ssl_min_protocol_version
    ssl_max_protocol_version min_protocol_version max_protocol_version krbsrvname gsslib
    gssdelegation service target_session_attrs load_balance_hosts oauth_issuer oauth_client_id
    oauth_scope""".split()
)
_SECRET_IN_QUERY = re.compile(r"[?&](" + "|".join(sorted(SECRET_PARAMETERS)) + ")=", re.IGNORECASE)


def _unclear_password(found: tuple[str, str, str]) -> bool:
    """Whether the password the readers take (up to the first "@" after the user's ":") may
    not be the whole password: another "@" follows (an "@" written as it is in the password),
    or what they read as a password holds a query's secret (``host:port/db?password=a@b``).
    Either way the rest of the password would be read as the host, and shown."""
    _user, password, address = found
    return "@" in address or _SECRET_IN_QUERY.search(password) is not None


def _unclear_password_error() -> StoreError:
    return StoreError(
        _(
            "The database URL has an '@' after its password, so where the password ends is unclear. "
            "Write each '@' in the password as %40 (and ':' as %3A, '/' as %2F)."
        )
    )


def _check_ports(value: Any) -> None:
    """libpq reads the port when it connects; a port that is not a number is refused here, in
    words, and without showing it (in ``user:secret/db``, without an "@", the password is read
    as the port)."""
    for port in str(value or "").split(","):
        port = port.strip()
        if port and not (port.isascii() and port.isdigit() and int(port) <= 65535):
            raise StoreError(
                _(
                    "The port in the database URL is not a port number (1 to 65535). "
                    "Write it as host:5432, or leave it out."
                )
            )


def pg_params(url: str) -> dict[str, Any]:
    """The connection parameters of a PostgreSQL URL as libpq reads them, for the app's start
    without SQLAlchemy. Where SQLAlchemy, which makes the engine and wrote the URLs saved so
    far, reads more leniently, libpq is given what it read: the password (kept from libpq's
    parser, which may quote what it refuses), an "@" in the user's name, a bare space, and a
    "+" in the query meaning a space."""
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    rest = url.partition("://")[2]
    found = _split_password(rest)
    if found is not None and _unclear_password(found):
        raise _unclear_password_error()
    if found is not None:
        rest = found[0].replace("@", "%40") + "@" + found[2]
    address, mark, query = rest.replace(" ", "%20").partition("?")
    try:
        params = conninfo_to_dict(f"postgresql://{address}{mark}{query.replace('+', '%20')}")
    except ProgrammingError as exc:
        raise not_a_url(url) from exc
    if found is not None:
        params.setdefault("password", unquote(found[1]))  # one in the query wins, as in the engine
    _check_ports(params.get("port"))
    # An empty value is left out, as the engine leaves it out (libpq refuses "sslmode=").
    return {key: value for key, value in params.items() if value}


def pg_conninfo(url: str, password: str | None = None) -> str:
    """The libpq connection string for ``url``, with ``password`` when the URL has none."""
    from psycopg.conninfo import make_conninfo

    params = pg_params(url)
    if password:
        params.setdefault("password", password)
    params["connect_timeout"] = CONNECT_TIMEOUT
    return make_conninfo("", **params)


def safe_url(url: str) -> str:
    """The URL without its password, for messages and the config file, and the keyring's key:
    the same URL always gives the same text, and one without a password is left as it is.

    Whatever the password holds ("@", ":", "/", "?", "&"), no part of it is shown: a secret in
    the query is left out up to the next parameter libpq knows, and the password after the
    user's ":" up to the *last* "@" outside those (the readers stop at the first "@", so the
    rest of a password with an "@" in it would be shown as the host)."""
    if sqlite_file_of(url) is not None:
        return url  # a file path holds no password
    scheme, sep, rest = url.partition("://")
    hidden = _query_secrets(rest)
    marks = {end for start, end in hidden if rest[start] == "?"}  # the "&" after: now the "?"
    if _split_password(rest) is not None:
        colon = rest.index(":")
        at = next(
            (
                i
                for i in range(len(rest) - 1, colon, -1)
                if rest[i] == "@" and not any(a <= i < b for a, b in hidden)
            ),
            len(rest),
        )
        hidden.append((colon, at))
    shown = []
    for index, char in enumerate(rest):
        if any(a <= index < b for a, b in hidden):
            continue
        shown.append("?" if index in marks and char == "&" else char)
    return scheme + sep + "".join(shown)


def _query_secrets(rest: str) -> list[tuple[int, int]]:
    """Where the query of ``rest`` holds a secret: each "password=" (any case, "%"-encoded too)
    up to the next parameter libpq knows (an "&" or a "?" may be part of a password)."""
    spans = []
    start = None
    for piece in re.finditer(r"[?&][^?&]*", rest):
        key, equals, _value = piece.group()[1:].partition("=")
        key = unquote(key).strip().lower()
        if equals and key in SECRET_PARAMETERS:
            start = piece.start() if start is None else start
        elif start is not None and equals and key in _LIBPQ_PARAMETERS:
            spans.append((start, piece.start()))
            start = None
    if start is not None:
        spans.append((start, len(rest)))
    return spans


def _secrets_of(url: str) -> list[str]:
    """The password of ``url`` and the secrets of its query, as written and decoded."""
    rest = url.partition("://")[2]
    found = _split_password(rest)
    candidates = []
    if found is not None:
        candidates.append(rest.partition(":")[2].rpartition("@")[0])  # to the last "@"
        candidates.append(found[1])
    for piece in re.split(r"[?&]", rest)[1:]:
        key, equals, value = piece.partition("=")
        if equals and unquote(key).strip().lower() in SECRET_PARAMETERS:
            candidates.append(value)
    found_secrets = set()
    for secret in candidates:
        for form in (secret, unquote(secret)):
            if len(form) >= 3:
                found_secrets.add(form)
    return sorted(found_secrets, key=len, reverse=True)


def hide_secrets(text: str, url: str) -> str:
    """``text`` (a driver's message about ``url``) with any password of the URL in it hidden."""
    for secret in _secrets_of(url):
        text = text.replace(secret, "***")
    return text


def with_password(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or parsed.password:
        return url
    password = os.environ.get("RELAYTUI_DATABASE_PASSWORD") or config.load_password(safe_url(url))
    if password:
        parsed = parsed.set(password=password)
    return parsed.render_as_string(hide_password=False)


def normalise_url(url: str) -> str:
    """Check the URL's form and pick the psycopg 3 driver for PostgreSQL. Only the scheme of a
    PostgreSQL URL changes (libpq checks the rest), so its keyring entry is found as before."""
    if sqlite_file_of(url) is not None:
        return url  # already in the form relaytui writes: sqlite:///path
    if is_postgresql(url):
        pg_params(url)  # libpq refuses a malformed one
        return "postgresql+psycopg://" + url.partition("://")[2]
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
        raise not_a_url(url) from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        raise StoreError(_("Only the psycopg driver is supported: use postgresql+psycopg://."))
    if backend != "sqlite":
        raise StoreError(
            _("relaytui stores its data in SQLite or PostgreSQL, not '{backend}'.").format(
                backend=backend
            )
        )
    return parsed.render_as_string(hide_password=False)


def not_a_url(url: str) -> StoreError:
    return StoreError(
        _(
            "'{url}' is not a database URL. Use a file path for SQLite or "
            "postgresql://user@host/database."
        ).format(url=safe_url(url))
    )
