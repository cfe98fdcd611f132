"""How a session's process is started: forked from a process that has relaytui loaded already.

A new Python for every session would load Textual, SQLAlchemy, the screens and the services
again (about a second on a busy server, and some 60 MB that every session holds on its own).
The *spawner* is one process, started with the server, that loads them once, freezes them for
the garbage collector (so that it never writes to those pages) and then forks a session for
each request: the session starts at once, and its memory pages are shared with every other
session until it changes them (copy-on-write).

The server sends a request (the session's arguments, environment and terminal or pipes, the
file descriptors passed over a Unix socket) and hears back the new process's id. The session
is forked twice, so that it becomes a child of the *server* (which makes itself the
"subreaper" of what its children leave behind): the server waits for its end, and a session
ends with the server, never with the spawner. If the spawner cannot start or dies, new
sessions start as fresh processes (:class:`FreshStart`): slower, never refused; the sessions
already open go on.

The spawner holds no thread, no event loop and no database connection when it forks.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("relaytui.server")

#: The file descriptor the identity pipe gets in a session process (after stdin, out, err).
IDENTITY_FD = 3


def session_arguments(db_url: str, *, via: str = "") -> list[str]:
    """The arguments of ``python -m relaytui.server.session`` (the identity pipe is added by
    whoever starts it, who knows its number in the new process)."""
    args = ["--db", db_url]
    if via:
        args += ["--via", via]
    return args


# --- what the server holds of a session's process ------------------------------------------


class Child:
    """A session's process as the server sees it: its id, its end, signals to it, and (for
    the browser side) the pipes to it."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdin: Any = None
        self.stdout: Any = None
        self.stderr: Any = None
        self._ended = asyncio.get_running_loop().create_future()

    def _exited(self, code: int) -> None:
        if self.returncode is None:
            self.returncode = code
            if not self._ended.done():
                self._ended.set_result(code)

    async def wait(self) -> int:
        return await asyncio.shield(self._ended)

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class AdoptedChild(Child):
    """A session forked by the spawner and adopted by the server: its end is read from a
    pidfd (the server is its parent, so it waits for it)."""

    def __init__(self, pid: int) -> None:
        super().__init__(pid)
        self._fd: int | None = None
        try:
            self._fd = os.pidfd_open(pid)
        except ProcessLookupError:  # gone and reaped already
            self._exited(-signal.SIGTERM)
            return
        asyncio.get_running_loop().add_reader(self._fd, self._readable)
        self._readable()  # it may have ended before we looked

    def _readable(self) -> None:
        if self._fd is None:
            return
        try:
            found = os.waitid(os.P_PIDFD, self._fd, os.WEXITED | os.WNOHANG)
        except ChildProcessError:  # not the server's child after all: its end is all we know
            code = -signal.SIGTERM
        else:
            if found is None:
                return
            code = found.si_status if found.si_code == os.CLD_EXITED else -found.si_status
        asyncio.get_running_loop().remove_reader(self._fd)
        os.close(self._fd)
        self._fd = None
        self._exited(code)


class FreshChild(Child):
    """A session started as a new Python (the spawner's fallback)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        super().__init__(process.pid)
        self.process = process
        asyncio.ensure_future(self._watch())

    async def _watch(self) -> None:
        self._exited(await self.process.wait())


class FreshStart:
    """Every session a new Python: ``python -m relaytui.server.session ...``."""

    async def start(
        self,
        args: list[str],
        env: dict[str, str],
        stdio: tuple[int, int, int],
        *,
        identity_fd: int | None = None,
        new_session: bool = False,
    ) -> Child:
        argv = [sys.executable, "-m", "relaytui.server.session", *args]
        if identity_fd is not None:
            argv += ["--identity-fd", str(identity_fd)]
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=stdio[0],
            stdout=stdio[1],
            stderr=stdio[2],
            pass_fds=(identity_fd,) if identity_fd is not None else (),
            start_new_session=new_session,
            env=env,
        )
        return FreshChild(process)

    async def close(self) -> None:
        return None


# --- the server's side of the spawner --------------------------------------------------------


def _adopt_orphans() -> bool:
    """Make this process (the server) the parent of what its children leave behind
    (PR_SET_CHILD_SUBREAPER): the sessions the spawner forks twice come to it."""
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


@dataclass
class Spawner:
    """The server's end of the spawner process: requests out, process ids back."""

    process: asyncio.subprocess.Process
    requests: socket.socket
    fallback: FreshStart = field(default_factory=FreshStart)
    _serial: int = 0
    _waiting: dict[int, asyncio.Future] = field(default_factory=dict)
    _reader: asyncio.Task | None = None
    alive: bool = True

    @classmethod
    async def begin(cls, env: dict[str, str]) -> Spawner | None:
        """Start the spawner and wait until it has loaded relaytui (None if it cannot)."""
        if not hasattr(os, "pidfd_open") or not _adopt_orphans():
            log.warning(
                "this system cannot hand the server the sessions a spawner forks; "
                "sessions start as new processes"
            )
            return None
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "relaytui.server.spawner",
                str(theirs.fileno()),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                pass_fds=(theirs.fileno(),),
                env=env,
            )
        except OSError:
            log.exception("the spawner could not start; sessions start as new processes")
            ours.close()
            theirs.close()
            return None
        theirs.close()
        assert process.stdout is not None
        try:
            ready = await asyncio.wait_for(process.stdout.readline(), 60)
        except TimeoutError:
            ready = b""
        if json.loads(ready or b"{}").get("ready") is not True:
            log.error("the spawner did not start; sessions start as new processes")
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            ours.close()
            return None
        spawner = cls(process=process, requests=ours)
        spawner._reader = asyncio.ensure_future(spawner._read())
        log.info("the spawner (process %d) has relaytui loaded; sessions fork from it", process.pid)
        return spawner

    async def _read(self) -> None:
        """The spawner's answers: ``{"id", "pid"}`` for each session started."""
        assert self.process.stdout is not None
        try:
            while line := await self.process.stdout.readline():
                message = json.loads(line)
                waiting = self._waiting.pop(int(message.get("id", -1)), None)
                if waiting is not None and not waiting.done():
                    waiting.set_result(message)
        finally:
            self.alive = False
            log.warning("the spawner ended; new sessions start as new processes")
            for waiting in self._waiting.values():
                if not waiting.done():
                    waiting.set_result({"error": "the spawner ended"})

    async def start(
        self,
        args: list[str],
        env: dict[str, str],
        stdio: tuple[int, int, int],
        *,
        identity_fd: int | None = None,
        new_session: bool = False,
    ) -> Child:
        if not self.alive:
            return await self.fallback.start(
                args, env, stdio, identity_fd=identity_fd, new_session=new_session
            )
        self._serial += 1
        serial = self._serial
        answer = asyncio.get_running_loop().create_future()
        self._waiting[serial] = answer
        fds = [*stdio] + ([identity_fd] if identity_fd is not None else [])
        if identity_fd is not None:
            args = [*args, "--identity-fd", str(IDENTITY_FD)]
        request = json.dumps(
            {"id": serial, "args": args, "env": env, "setsid": new_session, "parent": os.getpid()}
        ).encode()
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, _send, self.requests, request, fds
            )
        except OSError:
            self._waiting.pop(serial, None)
            self.alive = False
            return await self.fallback.start(
                args[:-2] if identity_fd is not None else args,
                env,
                stdio,
                identity_fd=identity_fd,
                new_session=new_session,
            )
        reply = await answer
        if not reply.get("pid"):
            return await self.fallback.start(
                args[:-2] if identity_fd is not None else args,
                env,
                stdio,
                identity_fd=identity_fd,
                new_session=new_session,
            )
        return AdoptedChild(int(reply["pid"]))

    async def close(self) -> None:
        with contextlib.suppress(OSError):
            self.requests.close()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        if self._reader is not None:
            self._reader.cancel()


def _send(sock: socket.socket, data: bytes, fds: list[int]) -> None:
    header = len(data).to_bytes(4, "big")
    socket.send_fds(sock, [header + data], fds)


# --- the spawner process ---------------------------------------------------------------------


def _preload() -> None:
    """Everything a session uses, loaded once: Textual and the app's screens, the services,
    SQLAlchemy and the drivers, the catalogs."""
    import importlib

    for name in (
        "textual.app",
        "textual.drivers.linux_driver",
        "textual.drivers.web_driver",
        "textual.widgets",
        "textual.command",
        "textual.css.stylesheet",
        "rich.traceback",
        "relaytui.app",
        "relaytui.server.session",
        "relaytui.screens.login",
        "relaytui.screens.password",
        "relaytui.screens.lock",
        "relaytui.screens.log_list",
        "relaytui.screens.log_view",
        "relaytui.screens.dashboard",
        "relaytui.screens.handover",
        "relaytui.screens.planner",
        "relaytui.screens.help",
        "relaytui.services.accounts",
        "relaytui.services.logs",
        "relaytui.services.installation",
        "relaytui.db",
        "sqlalchemy",
        "sqlmodel",
        "argon2",
        "psycopg",
    ):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    from relaytui import i18n

    for language in i18n.LANGUAGES:
        with i18n.speaking(language):
            i18n._("Relay log")


def _receive(sock: socket.socket) -> tuple[dict, list[int]] | None:
    """One request: its JSON and the file descriptors that came with it."""
    fds: list[int] = []
    header = b""
    while len(header) < 4:
        data, ancillary, _flags, _addr = sock.recvmsg(4 - len(header), socket.CMSG_SPACE(16 * 4))
        if not data:
            return None
        header += data
        fds += _fds_of(ancillary)
    size = int.from_bytes(header, "big")
    body = b""
    while len(body) < size:
        data, ancillary, _flags, _addr = sock.recvmsg(size - len(body), socket.CMSG_SPACE(16 * 4))
        if not data:
            return None
        body += data
        fds += _fds_of(ancillary)
    return json.loads(body), fds


def _fds_of(ancillary: list[tuple[int, int, bytes]]) -> list[int]:
    found: list[int] = []
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
            found += list(fds)
    return found


def _answer(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _name_process(name: bytes) -> None:
    """The name ``ps`` and ``top`` show (the command line stays the spawner's)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(15, ctypes.c_char_p(name[:15]), 0, 0, 0)  # PR_SET_NAME


def _adopted_by(server: int, seconds: float = 5.0) -> None:
    """Wait until the server has adopted this session (its first parent ends at once), so
    that the death signal the session sets up is the server's, not the spawner's."""
    import time

    deadline = time.monotonic() + seconds
    while server and os.getppid() != server and time.monotonic() < deadline:
        time.sleep(0.001)


def _become_session(request: dict, fds: list[int], keep_closed: list[int]) -> None:
    """In the forked child: take the session's terminal or pipes and its environment, run it.
    Never returns."""
    code = 1
    try:
        for fd in keep_closed:
            with contextlib.suppress(OSError):
                os.close(fd)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
            signal.signal(signum, signal.SIG_DFL)
        _adopted_by(int(request.get("parent") or 0))
        _name_process(b"relaytui-session")
        if request.get("setsid"):
            os.setsid()
        import fcntl

        # Out of the way first (a received number may be one of the targets), then in place:
        # stdin, stdout, stderr, and the identity pipe as IDENTITY_FD.
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 64) for fd in fds]
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        for target, fd in enumerate(high):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        import importlib

        import textual.constants

        importlib.reload(textual.constants)  # TEXTUAL_DRIVER and friends, as this session has them
        from relaytui.server import session

        sys.argv = ["relaytui-session", *request["args"]]
        try:
            session.main()
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # noqa: BLE001 - one line on the session's own stderr, no traceback
        with contextlib.suppress(Exception):
            os.write(2, b"relaytui: the session could not start.\r\n")
        code = 2
    finally:
        _wait_for_last_saves()
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _wait_for_last_saves(seconds: float = 30.0) -> None:
    """What a normal exit of Python does and ``os._exit`` does not: wait for the threads that
    are no daemons, such as the one that saves the minutes' last lines on the way out."""
    import threading
    import time

    deadline = time.monotonic() + seconds
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))


def _fork_session(request: dict, fds: list[int], keep_closed: list[int]) -> int:
    """Fork twice: the first child forks the session and ends at once, so that the session,
    an orphan, is adopted by the server. Returns the session's process id (0 if none)."""
    pid_read, pid_write = os.pipe()
    first = os.fork()
    if first == 0:
        try:
            os.close(pid_read)
            session = os.fork()
            if session == 0:
                os.close(pid_write)
                _become_session(request, fds, [*keep_closed])
            os.write(pid_write, str(session).encode())
        finally:
            os._exit(0)
    os.close(pid_write)
    answer = b""
    while chunk := os.read(pid_read, 32):
        answer += chunk
    os.close(pid_read)
    os.waitpid(first, 0)
    return int(answer or b"0")


def run(request_fd: int) -> None:
    """The spawner's loop: fork a session for each request, answer with its process id."""
    import gc
    import threading

    from relaytui.server.session import end_with_parent

    end_with_parent()  # the server gone, the spawner goes too
    _preload()
    if threading.active_count() != 1:  # a fork would copy a lock some thread holds
        raise SystemExit("the spawner must not run threads")
    gc.collect()
    gc.freeze()  # what is loaded stays unwritten by the collector in every child
    sock = socket.socket(fileno=request_fd)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _answer({"ready": True})
    while True:
        received = _receive(sock)
        if received is None:  # the server closed its end: no more sessions
            return
        request, fds = received
        try:
            pid = _fork_session(request, fds, [sock.fileno(), 1])
        except OSError:
            pid = 0  # no more processes: the server starts it as a new Python, or says so
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        _answer({"id": request["id"], "pid": pid})


if __name__ == "__main__":
    run(int(sys.argv[1]))
