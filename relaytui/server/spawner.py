"""How a session's process is started: forked from a process that has relaytui loaded already.

A new Python for every session would load Textual, SQLAlchemy, the screens and the services
again (a third of a second, and some 60 MB that every session holds on its own). The
*spawner* is one process, started with the server, that loads them once, freezes them for
the garbage collector (so that it never writes to those pages) and then forks a session for
each request: the session starts at once, and its memory pages are shared with every other
session until it changes them (copy-on-write).

The server sends a request (the session's arguments, environment and terminal or pipes, the
file descriptors passed over a Unix socket) and hears back the new process's id, and later
its exit status. If the spawner cannot start or dies, sessions start as fresh processes
(:class:`FreshStart`), as before: slower, never refused.

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
    """A session's process as the server sees it: its id, its end, and signals to it."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        #: The browser side's pipes (asyncio streams), when it has them.
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

    async def start(self, args: list[str], env: dict[str, str], stdio: tuple[int, int, int], *,
                    identity_fd: int | None = None, new_session: bool = False) -> Child:
        argv = [sys.executable, "-m", "relaytui.server.session", *args]
        if identity_fd is not None:
            argv += ["--identity-fd", str(identity_fd)]
        process = await asyncio.create_subprocess_exec(
            *argv, stdin=stdio[0], stdout=stdio[1], stderr=stdio[2],
            pass_fds=(identity_fd,) if identity_fd is not None else (),
            start_new_session=new_session, env=env,
        )
        return FreshChild(process)

    async def close(self) -> None:
        return None


# --- the server's side of the spawner --------------------------------------------------------


@dataclass
class Spawner:
    """The server's end of the spawner process: requests out, process ids and ends back."""

    process: asyncio.subprocess.Process
    requests: socket.socket
    fallback: FreshStart = field(default_factory=FreshStart)
    _serial: int = 0
    _waiting: dict[int, asyncio.Future] = field(default_factory=dict)
    _children: dict[int, Child] = field(default_factory=dict)
    _early_ends: dict[int, int] = field(default_factory=dict)
    _reader: asyncio.Task | None = None
    alive: bool = True

    @classmethod
    async def begin(cls, env: dict[str, str]) -> Spawner | None:
        """Start the spawner and wait until it has loaded relaytui (None if it cannot)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "relaytui.server.spawner", str(theirs.fileno()),
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                pass_fds=(theirs.fileno(),), env=env,
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
        except asyncio.TimeoutError:
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
        """The spawner's answers: ``{"id", "pid"}`` for a start, ``{"exit", "status"}`` for an end."""
        assert self.process.stdout is not None
        try:
            while line := await self.process.stdout.readline():
                message = json.loads(line)
                if "exit" in message:
                    pid, status = int(message["exit"]), int(message["status"])
                    child = self._children.pop(pid, None)
                    if child is not None:
                        child._exited(status)
                    else:
                        self._early_ends[pid] = status
                elif "id" in message:
                    waiting = self._waiting.pop(int(message["id"]), None)
                    if waiting is not None and not waiting.done():
                        waiting.set_result(message)
        finally:
            self.alive = False
            log.warning("the spawner ended; new sessions start as new processes")
            for waiting in self._waiting.values():
                if not waiting.done():
                    waiting.set_result({"error": "the spawner ended"})
            # Its children got SIGTERM with it (their death signal); they are gone, or going.
            for child in list(self._children.values()):
                asyncio.ensure_future(_reap_orphan(child))

    async def start(self, args: list[str], env: dict[str, str], stdio: tuple[int, int, int], *,
                    identity_fd: int | None = None, new_session: bool = False) -> Child:
        if not self.alive:
            return await self.fallback.start(args, env, stdio, identity_fd=identity_fd, new_session=new_session)
        self._serial += 1
        serial = self._serial
        answer = asyncio.get_running_loop().create_future()
        self._waiting[serial] = answer
        fds = [*stdio] + ([identity_fd] if identity_fd is not None else [])
        if identity_fd is not None:
            args = [*args, "--identity-fd", str(IDENTITY_FD)]
        request = json.dumps({"id": serial, "args": args, "env": env, "setsid": new_session}).encode()
        try:
            await asyncio.get_running_loop().run_in_executor(None, _send, self.requests, request, fds)
        except OSError:
            self._waiting.pop(serial, None)
            self.alive = False
            return await self.fallback.start(args, env, stdio, identity_fd=identity_fd, new_session=new_session)
        reply = await answer
        if "pid" not in reply:
            return await self.fallback.start(args, env, stdio, identity_fd=identity_fd, new_session=new_session)
        child = Child(int(reply["pid"]))
        if child.pid in self._early_ends:  # it ended before its start was read
            child._exited(self._early_ends.pop(child.pid))
        else:
            self._children[child.pid] = child
        return child

    async def close(self) -> None:
        with contextlib.suppress(OSError):
            self.requests.close()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        if self._reader is not None:
            self._reader.cancel()


async def _reap_orphan(child: Child) -> None:
    """A child whose spawner is gone: its end is seen when its process id no longer answers."""
    while child.returncode is None:
        try:
            os.kill(child.pid, 0)
        except ProcessLookupError:
            child._exited(-signal.SIGTERM)
            return
        await asyncio.sleep(0.2)


def _send(sock: socket.socket, data: bytes, fds: list[int]) -> None:
    header = len(data).to_bytes(4, "big")
    socket.send_fds(sock, [header + data], fds)


# --- the spawner process ---------------------------------------------------------------------


def _preload() -> None:
    """Everything a session uses, loaded once: Textual and the app's screens, the services,
    SQLAlchemy and the drivers, the catalogs."""
    import importlib

    for name in (
        "textual.app", "textual.drivers.linux_driver", "textual.drivers.web_driver", "textual.widgets",
        "textual.command", "textual.css.stylesheet", "rich.traceback",
        "relaytui.app", "relaytui.server.session", "relaytui.screens.login", "relaytui.screens.password",
        "relaytui.screens.lock", "relaytui.screens.log_list", "relaytui.screens.log_view",
        "relaytui.screens.dashboard", "relaytui.screens.handover", "relaytui.screens.planner",
        "relaytui.screens.help", "relaytui.services.accounts", "relaytui.services.logs",
        "relaytui.services.installation", "relaytui.db", "sqlalchemy", "sqlmodel", "argon2", "psycopg",
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


def _become_session(request: dict, fds: list[int], keep_closed: list[int]) -> None:
    """In the forked child: take the session's terminal or pipes and its environment, run it.
    Never returns."""
    code = 1
    try:
        for fd in keep_closed:
            with contextlib.suppress(OSError):
                os.close(fd)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
            signal.signal(signum, signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
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


def run(request_fd: int) -> None:
    """The spawner's loop: fork a session for each request, report each end."""
    import gc
    import selectors

    import threading

    from relaytui.server.session import end_with_parent

    end_with_parent()  # the server gone, the spawner goes too (and its sessions with it)
    _preload()
    if threading.active_count() != 1:  # a fork would copy a lock some thread holds
        raise SystemExit("the spawner must not run threads")
    gc.collect()
    gc.freeze()  # what is loaded stays unwritten by the collector in every child
    sock = socket.socket(fileno=request_fd)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    os.set_blocking(wake_r, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_READ, "request")
    selector.register(wake_r, selectors.EVENT_READ, "signal")
    _answer({"ready": True})
    while True:
        for key, _events in selector.select():
            if key.data == "signal":
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_r, 512)
                _reap()
                continue
            received = _receive(sock)
            if received is None:  # the server closed its end: no more sessions
                _reap()
                return
            request, fds = received
            pid = os.fork()
            if pid == 0:
                _become_session(request, fds, [sock.fileno(), wake_r, wake_w, 1])
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            _answer({"id": request["id"], "pid": pid})
            _reap()


def _reap() -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _answer({"exit": pid, "status": os.waitstatus_to_exitcode(status)})


if __name__ == "__main__":
    run(int(sys.argv[1]))
