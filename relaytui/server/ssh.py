"""The app over SSH: ``ssh -p 2222 anna@server`` starts relaytui logged in as anna.

asyncssh authenticates with the staff account itself: its argon2id password (the same
lockout after failed logins) or a public key registered with ``relaytui user add-key``. Each
session then runs the app in a process of its own on a pseudo-terminal of the size the client
asked for, and follows its resizes. Nothing else is offered: no command execution, no file
transfer, no forwarding.

The host key is made on the first start and kept with mode 600; its fingerprint is printed so
that staff can check it on their first connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import signal
import stat
import struct
import termios
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relaytui.db import Store
from relaytui.errors import AccountClosed, DomainError, LoginFailed, StoreError
from relaytui.i18n import _, known_language, speaking
from relaytui.server.sessions import Seat, Sessions, session_environment
from relaytui.server.spawner import FreshStart, Spawner, session_arguments

with warnings.catch_warnings():  # asyncssh warns about DSA on import; we offer no DSA
    warnings.simplefilter("ignore")
    import asyncssh

log = logging.getLogger("relaytui.server")

#: Seconds a client has to log in before the connection is closed.
LOGIN_TIMEOUT = 60
#: Password checks (argon2id) at the same time: enough for a morning's logins, and a flood of
#: guesses cannot take every core from the sessions.
PASSWORD_CHECKS = 2
#: Bytes read from a session's terminal at a time.
READ_SIZE = 65536


# --- the host key ---------------------------------------------------------------------------


def host_key(path: Path) -> asyncssh.SSHKey:
    """The server's Ed25519 host key at ``path``, made (mode 600) when there is none yet."""
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise StoreError(
                _(
                    "The host key {path} can be read by others (mode {mode:o}). Make it "
                    "private with 'chmod 600 {path}'."
                ).format(path=path, mode=mode)
            )
        try:
            return asyncssh.read_private_key(str(path))
        except (asyncssh.KeyImportError, OSError) as exc:
            raise StoreError(
                _(
                    "The host key {path} cannot be read ({error}). Move it away to make "
                    "a new one; staff will be asked to trust the new key."
                ).format(path=path, error=type(exc).__name__)
            ) from None
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="relaytui host key")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.export_private_key())
    log.info("made a new SSH host key %s", path)
    return key


def fingerprint(key: asyncssh.SSHKey) -> str:
    return key.get_fingerprint("sha256")


# --- what every connection shares ----------------------------------------------------------


@dataclass
class Gate:
    """What the SSH side of the server shares: the store, the sessions and how to start one."""

    store: Store
    sessions: Sessions
    db_url: str
    environment: dict[str, str]
    checks: asyncio.Semaphore
    starter: Spawner | FreshStart


def _winsize(width: int, height: int, pixwidth: int = 0, pixheight: int = 0) -> bytes:
    return struct.pack("HHHH", max(1, height), max(1, width), pixheight, pixwidth)


class StaffServer(asyncssh.SSHServer):
    """One SSH connection: who logs in, and the session it asks for."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.conn: asyncssh.SSHServerConnection | None = None
        self.peer = "?"
        self.username = ""
        self.staff: Any = None
        #: The key (username, fingerprint) last found acceptable: the one the client signs with.
        self._key: tuple[str, str] | None = None
        self.refusal: str | None = None
        #: Set once the login is complete: asyncssh may open a session while auth_completed
        #: still records a key login.
        self.ready = asyncio.Event()

    # --- the connection ------------------------------------------------------------------

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername")
        self.peer = str(peer[0]) if peer else "?"

    @property
    def via(self) -> str:
        return f"ssh {self.peer}"

    def _banner(self, text: str) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.send_auth_banner(text + "\r\n")

    # --- logging in ----------------------------------------------------------------------

    def begin_auth(self, username: str) -> bool:
        self.username = username
        return True  # every login needs a password or a key, known account or not

    def password_auth_supported(self) -> bool:
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        from relaytui.services import sign_in

        async with self.gate.checks:
            try:
                staff = await asyncio.to_thread(
                    sign_in.authenticate, self.gate.store, username, password, via=self.via
                )
            except LoginFailed as exc:
                # Unknown, wrong and locked get the same answer, so that none tells which
                # usernames exist; a disabled account says so only after its own password.
                log.info(
                    "refused an SSH login from %s (%s)",
                    self.peer,
                    "account closed"
                    if isinstance(exc, AccountClosed)
                    else "wrong username or password",
                )
                self._banner(exc.message)
                return False
            except DomainError as exc:
                log.error("a login over SSH failed: %s", exc.message)
                self._banner(exc.message)
                return False
            except Exception:  # noqa: BLE001 - the server goes on; the client is refused
                log.exception("a login over SSH failed unexpectedly")
                return False
        self.staff = staff
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        from relaytui.services import keys

        print_ = fingerprint(key)
        try:
            answer = await asyncio.to_thread(keys.key_answer, self.gate.store, username, print_)
        except Exception:  # noqa: BLE001
            log.exception("checking an SSH key failed")
            return False
        # A key of a locked or disabled account is refused as an unknown key is: the client
        # goes on to the password, whose answer is the same for every refusal.
        if answer != keys.KEY_ACCEPTED:
            return False
        self._key = (username, print_)
        return True

    async def auth_completed(self) -> None:
        try:
            await self._complete()
        finally:
            self.ready.set()

    async def _complete(self) -> None:
        if self.staff is not None or self._key is None:
            return
        from relaytui.services import keys

        username, print_ = self._key
        try:
            self.staff = await asyncio.to_thread(
                keys.log_in_with_key, self.gate.store, username, print_, via=self.via
            )
        except DomainError as exc:
            self.refusal = exc.message
        except Exception:  # noqa: BLE001
            log.exception("a key login over SSH failed unexpectedly")
            self.refusal = _("The login could not be completed. Try again.")

    # --- sessions ------------------------------------------------------------------------

    def session_requested(self) -> TerminalSession:
        return TerminalSession(self)


class TerminalSession(asyncssh.SSHServerSession):
    """One session channel: the app in its own process, on a pseudo-terminal."""

    def __init__(self, server: StaffServer) -> None:
        self.server = server
        self.chan: asyncssh.SSHServerChannel | None = None
        self.term_type: str | None = None
        self.size = (80, 24, 0, 0)
        self.command: str | None = None
        self.master: int | None = None
        self.process: Any = None
        self.seat: Seat | None = None
        self._to_pty = b""
        self._reading = False
        self._paused = False
        self._closed = False
        self._loop = asyncio.get_running_loop()

    # --- what the client asks for --------------------------------------------------------

    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:
        self.chan = chan

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Any
    ) -> bool:
        self.term_type = term_type or "xterm-256color"
        if term_size and term_size[0] and term_size[1]:
            self.size = tuple(term_size)  # type: ignore[assignment]
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self.command = command  # answered with a message: relaytui runs no commands
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        return False  # no sftp, no scp

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self.size = (width, height, pixwidth, pixheight)
        if self.master is not None:
            with contextlib.suppress(OSError):
                fcntl.ioctl(self.master, termios.TIOCSWINSZ, _winsize(*self.size))

    # --- the session ---------------------------------------------------------------------

    def _say_and_close(self, text: str, code: int = 1) -> None:
        assert self.chan is not None
        with contextlib.suppress(Exception):
            self.chan.write(text.encode("utf-8") + b"\r\n")
            self.chan.exit(code)

    def session_started(self) -> None:
        asyncio.ensure_future(self._start())

    async def _start(self) -> None:
        server = self.server
        try:
            await asyncio.wait_for(server.ready.wait(), LOGIN_TIMEOUT)
        except TimeoutError:
            pass
        staff = server.staff
        language = known_language(getattr(staff, "language", None) or "") if staff else None
        with speaking(language):
            if staff is None:
                self._say_and_close(
                    server.refusal or _("The login could not be completed. Try again.")
                )
                return
            if self.command is not None or self.term_type is None:
                self._say_and_close(
                    _(
                        "relaytui is an application for a terminal; it runs no commands. "
                        "Connect with: ssh -t -p PORT {username}@server"
                    ).format(username=staff.username)
                )
                return
            self.seat = server.gate.sessions.take("ssh", server.peer, staff.username)
            if self.seat is None:
                self._say_and_close(
                    _("The server is stopping; connect again in a minute.")
                    if server.gate.sessions.closing
                    else _(
                        "The server is full: {n} sessions are open. Try again in a few minutes, or "
                        "ask your IT department."
                    ).format(n=server.gate.sessions.limit)
                )
                return
        await self._run(staff)

    async def _run(self, staff: Any) -> None:
        gate = self.server.gate
        master, slave = os.openpty()
        read_end, write_end = os.pipe()
        try:
            fcntl.ioctl(slave, termios.TIOCSWINSZ, _winsize(*self.size))
            env = session_environment(gate.environment, TERM=self.term_type or "xterm-256color")
            env.pop("COLUMNS", None)
            env.pop("LINES", None)
            client_lang = (self.chan.get_environment().get("LANG", "") if self.chan else "") or ""
            if known_language(client_lang.split(".")[0]):
                env.setdefault("RELAYTUI_LANG", client_lang.split(".")[0])
            self.process = await gate.starter.start(
                session_arguments(gate.db_url),
                env,
                (slave, slave, slave),
                identity_fd=read_end,
                new_session=True,
            )
        except Exception:  # noqa: BLE001
            log.exception("starting an SSH session failed")
            for fd in (master, slave, read_end, write_end):
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._end()
            self._say_and_close(
                _(
                    "The session could not be started. Try again; if it happens "
                    "again, tell your IT department."
                )
            )
            return
        os.close(slave)
        os.close(read_end)
        with os.fdopen(write_end, "w", encoding="utf-8") as pipe:
            pipe.write(json.dumps({"staff_id": staff.id, "via": self.server.via}))
        assert self.seat is not None
        self.seat.attach(self.process)
        self.master = master
        os.set_blocking(master, False)
        self._read_on()
        code = await self.process.wait()
        # What the app wrote last (its goodbye) is still in the terminal: read it out.
        for _i in range(20):
            if not self._reading:
                break
            await asyncio.sleep(0.025)
        self._end()
        if self.chan is not None and not self._closed:
            with contextlib.suppress(Exception):
                self.chan.exit(code if code >= 0 else 128 - code)

    # --- the pseudo-terminal, both ways --------------------------------------------------

    def _read_on(self) -> None:
        if self.master is not None and not self._reading and not self._paused:
            self._loop.add_reader(self.master, self._readable)
            self._reading = True

    def _read_off(self) -> None:
        if self.master is not None and self._reading:
            self._loop.remove_reader(self.master)
            self._reading = False

    def _readable(self) -> None:
        try:
            data = os.read(self.master, READ_SIZE)  # type: ignore[arg-type]
        except BlockingIOError:
            return
        except OSError:  # EIO: the session's process closed its terminal
            data = b""
        if not data:
            self._read_off()
            return
        if self.chan is not None and not self._closed:
            with contextlib.suppress(Exception):
                self.chan.write(data)

    def pause_writing(self) -> None:
        self._paused = True
        self._read_off()

    def resume_writing(self) -> None:
        self._paused = False
        self._read_on()

    def data_received(self, data: bytes, datatype: Any) -> None:
        if self.master is None:
            return
        self._to_pty += data
        self._write_pty()

    def _write_pty(self) -> None:
        if self.master is None:
            return
        try:
            written = os.write(self.master, self._to_pty)
        except BlockingIOError:
            written = 0
        except OSError:
            self._to_pty = b""
            return
        self._to_pty = self._to_pty[written:]
        if self._to_pty:
            self._loop.add_writer(self.master, self._write_pty)
        else:
            self._loop.remove_writer(self.master)

    # --- the end -------------------------------------------------------------------------

    def eof_received(self) -> bool:
        self._hang_up()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._hang_up()

    def _hang_up(self) -> None:
        """The person is gone: the app ends as on quitting (the draft of minutes is saved)."""
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)

    def _end(self) -> None:
        if self.master is not None:
            self._read_off()
            self._loop.remove_writer(self.master)
            with contextlib.suppress(OSError):
                os.close(self.master)
            self.master = None
        if self.seat is not None:
            self.seat.release()
            self.seat = None


async def listen(gate: Gate, host: str, port: int, key: asyncssh.SSHKey) -> asyncssh.SSHAcceptor:
    """Accept SSH connections on ``host:port`` (port 0: any free port)."""
    return await asyncssh.create_server(
        lambda: StaffServer(gate),
        host,
        port,
        server_host_keys=[key],
        encoding=None,
        line_editor=False,
        login_timeout=LOGIN_TIMEOUT,
        keepalive_interval=30,
        keepalive_count_max=4,
        agent_forwarding=False,
        x11_forwarding=False,
        allow_scp=False,
        sftp_factory=None,
        process_factory=None,
        server_version="relaytui",
    )
