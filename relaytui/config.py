"""Where the database is: the ``--db`` option, the environment, the config file, the default.

The config file holds the URL of a shared database *without* its password; the password lives
in the system keyring (or in ``RELAYTUI_DATABASE_URL`` on servers that have no keyring).
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path

from relaytui.errors import StoreError
from relaytui.i18n import _

ENV_URL = "RELAYTUI_DATABASE_URL"
ENV_CONFIG_DIR = "RELAYTUI_CONFIG_DIR"
ENV_DATA_DIR = "RELAYTUI_DATA_DIR"
KEYRING_SERVICE = "relaytui"


def config_dir() -> Path:
    if os.environ.get(ENV_CONFIG_DIR):
        return Path(os.environ[ENV_CONFIG_DIR])
    from platformdirs import user_config_dir

    return Path(user_config_dir("relaytui", appauthor=False))


def data_dir() -> Path:
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR])
    from platformdirs import user_data_dir

    return Path(user_data_dir("relaytui", appauthor=False))


def config_file() -> Path:
    return config_dir() / "config.toml"


def read_config() -> dict[str, str]:
    path = config_file()
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would be waited on for ever
            raise StoreError(
                _("The config file {path} is not a regular file. Fix or delete it.").format(
                    path=path
                )
            )
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _unreadable(path, exc) from exc
    except UnicodeDecodeError as exc:  # tomllib reads UTF-8 only
        raise StoreError(
            _(
                "The config file {path} is not a text file (TOML in UTF-8). Fix or delete it."
            ).format(path=path)
        ) from exc
    return {k: str(v) for k, v in data.items() if isinstance(v, (str, int, float, bool))}


def _unreadable(path: Path, exc: Exception) -> StoreError:
    error = (exc.strerror or type(exc).__name__) if isinstance(exc, OSError) else exc
    return StoreError(
        _("The config file {path} cannot be read ({error}). Fix or delete it.").format(
            path=path, error=error
        )
    )


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def write_config(values: dict[str, str]) -> Path:
    """Write the config file with mode 600; only plain settings go here, never a password."""
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = "".join(f"{key} = {_toml_string(str(val))}\n" for key, val in sorted(values.items()))
    # A new file (never one that is there, nor a link), renamed into place when complete.
    tmp = path.with_name(f".{path.name}.{os.urandom(8).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


@dataclass(frozen=True)
class Location:
    """A database location and how it was chosen (for ``db status`` and messages)."""

    url: str
    source: str  # "option", "environment", "config", "default", "demo"

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


def default_sqlite_path() -> Path:
    return data_dir() / "relaytui.db"


def demo_sqlite_path() -> Path:
    return data_dir() / "demo.db"


def to_url(value: str) -> str:
    """A URL as given, or a plain path meaning SQLite."""
    if "://" in value:
        return value
    path = Path(value).expanduser()
    return f"sqlite:///{path.absolute()}"


def resolve(option: str | None = None) -> Location:
    """Pick the database: ``--db``, then the environment, then the config file, then the default."""
    if option:
        return Location(to_url(option), "option")
    if os.environ.get(ENV_URL):
        return Location(to_url(os.environ[ENV_URL]), "environment")
    url = read_config().get("database_url")
    if url:
        return Location(to_url(url), "config")
    return Location(to_url(str(default_sqlite_path())), "default")


# --- the keyring ---------------------------------------------------------------------------


def usable_keyring():
    """The system keyring backend, or ``None`` when there is none worth the name."""
    try:
        import keyring
        from keyring.backends import fail, null
    except Exception:  # pragma: no cover - keyring is a dependency
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, (fail.Keyring, null.Keyring)):
        return None
    try:
        if getattr(backend, "priority", 1) <= 0:
            return None
    except Exception:
        return None
    return backend


def keyring_username(url_without_password: str) -> str:
    return url_without_password


def store_password(url_without_password: str, password: str) -> None:
    backend = usable_keyring()
    if backend is None:
        raise StoreError(no_keyring_message())
    try:
        backend.set_password(KEYRING_SERVICE, keyring_username(url_without_password), password)
    except Exception as exc:
        raise StoreError(
            _("The system keyring refused the password ({error}). {advice}").format(
                error=type(exc).__name__, advice=no_keyring_message()
            )
        ) from exc


def load_password(url_without_password: str) -> str | None:
    backend = usable_keyring()
    if backend is None:
        return None
    try:
        return backend.get_password(KEYRING_SERVICE, keyring_username(url_without_password))
    except Exception:
        return None


def no_keyring_message() -> str:
    return _(
        "No usable system keyring was found, so the password cannot be stored safely. "
        "Set {var} to the full URL with its password instead (e.g. in the service's "
        "environment), or install a keyring backend."
    ).format(var=ENV_URL)
