"""The operating-system layer around candidates: what the kernel enforces on the process that runs them, so that
one more hole in the static check of :mod:`evolve.programs.static_check` is not a breach.

Two Linux mechanisms that need no root, each applied where the kernel offers it:

- **Landlock** (Linux 5.13+): the process may write files only beneath the folders it is given (its scratch
  folder, the death-note folder, the compile cache); reading stays open, as Python and JAX need their files.
  From Landlock ABI 4 (Linux 6.7) it may neither connect nor bind a TCP port (but the ones it is given), and from
  ABI 6 it can neither signal processes outside its domain nor reach abstract unix sockets.
- **seccomp** (a BPF filter, applied to every thread): no ``socket`` at all (no network, no unix socket to
  Ray's or Docker's daemon), unless a family is allowed; no ``ptrace``, no reading or writing another process's
  memory, no taking another process's file descriptors, no io_uring (which opens sockets without ``socket``),
  no ``bpf``, ``perf_event_open`` or kernel keyrings.

Both are inherited by every thread and process the confined one starts, and neither can be lifted. Apply them
first thing in a fresh process, before any thread exists: Landlock binds only the calling thread.

Where a mechanism is missing (another OS, an old kernel, an unknown CPU architecture), :func:`confine` says so
in what it returns, and the static check is what holds (the README's threat model says what that means).
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import socket
import struct
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Landlock's system calls have one number on every architecture.
_LANDLOCK_CREATE_RULESET, _LANDLOCK_ADD_RULE, _LANDLOCK_RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH, _RULE_NET_PORT = 1, 2

_FS_WRITE_FILE = 1 << 1
_FS_REMOVE_DIR, _FS_REMOVE_FILE = 1 << 4, 1 << 5
_FS_MAKE = sum(1 << b for b in range(6, 13))  # char, dir, reg, sock, fifo, block, sym
_FS_REFER, _FS_TRUNCATE = 1 << 13, 1 << 14
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1

_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC = 1, 1
_RET_ALLOW, _RET_KILL_PROCESS, _RET_ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
_LD_ABS_W, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06

# Per architecture: the audit arch the filter checks, the seccomp system call, and the numbers it denies.
_ARCH: dict[str, dict[str, object]] = {
    "x86_64": {"audit": 0xC000003E, "seccomp": 317, "socket": 41,
               "deny": {"ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "pidfd_getfd": 438,
                        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "bpf": 321,
                        "perf_event_open": 298, "add_key": 248, "request_key": 249, "keyctl": 250},
               # x32 system calls reuse the numbers with this bit set: refused whole.
               "x32": 0x40000000},
    "aarch64": {"audit": 0xC00000B7, "seccomp": 277, "socket": 198,
                "deny": {"ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "pidfd_getfd": 438,
                         "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "bpf": 280,
                         "perf_event_open": 241, "add_key": 217, "request_key": 218, "keyctl": 219},
                "x32": None},
}


@dataclass(frozen=True)
class Confinement:
    """What the kernel enforces on a confined process.

    Attributes:
        writes: file writes are limited to the given folders (Landlock).
        tcp: TCP connect and bind are limited to the given ports (Landlock ABI 4+).
        scoped: signals and abstract unix sockets stay inside the process's domain (Landlock ABI 6+).
        syscalls: the seccomp filter is in place (no sockets but the allowed families, no ptrace...).
        landlock_abi: the kernel's Landlock ABI version (0: none).
        missing: why each layer that does not hold is missing.
    """

    writes: bool = False
    tcp: bool = False
    scoped: bool = False
    syscalls: bool = False
    landlock_abi: int = 0
    missing: tuple[str, ...] = field(default_factory=tuple)

    @property
    def network_closed(self) -> bool:
        """Whether the process can open no network connection (no socket of an internet family)."""
        return self.syscalls or self.tcp

    def describe(self) -> str:
        """One line: what holds and what is missing."""
        held = [name for name, on in (("writes", self.writes), ("tcp", self.tcp), ("scope", self.scoped),
                                      ("seccomp", self.syscalls)) if on]
        text = f"OS layer: {', '.join(held) or 'none'} (Landlock ABI {self.landlock_abi})"
        return text + (f"; missing: {'; '.join(self.missing)}" if self.missing else "")


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 where Landlock is missing (not Linux, too old, turned off)."""
    if sys.platform != "linux":
        return 0
    version = _libc().syscall(_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION)
    return max(int(version), 0)


def _write_rights(abi: int) -> int:
    rights = _FS_WRITE_FILE | _FS_REMOVE_DIR | _FS_REMOVE_FILE | _FS_MAKE
    if abi >= 2:
        rights |= _FS_REFER
    if abi >= 3:
        rights |= _FS_TRUNCATE
    return rights


def _fail(what: str) -> OSError:
    code = ctypes.get_errno()
    return OSError(code, f"{what}: {os.strerror(code)}")


def landlock(writable: Iterable[str | os.PathLike[str]], tcp_ports: Iterable[int] = (),
             devices: str = "/dev") -> tuple[bool, bool]:
    """Restrict this thread, and every thread and process it starts, to writing files beneath ``writable``
    (and to existing files beneath ``devices``, which accelerators open for writing), and, where the ABI allows,
    to TCP connections to ``tcp_ports`` only (no bind), signals and abstract unix sockets within its domain.
    Returns (writes limited, TCP limited). Raises OSError where Landlock is there but refuses."""
    abi = landlock_abi()
    if abi < 1:
        return False, False
    libc = _libc()
    rights = _write_rights(abi)
    net = _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0
    scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if abi >= 6 else 0
    attr = struct.pack("=QQQ", rights, net, scoped)[: 8 if abi < 4 else 16 if abi < 6 else 24]
    buf = ctypes.create_string_buffer(attr, len(attr))
    fd = libc.syscall(_LANDLOCK_CREATE_RULESET, buf, ctypes.c_size_t(len(attr)), 0)
    if fd < 0:
        raise _fail("landlock_create_ruleset")
    try:
        file_rights = _FS_WRITE_FILE | (_FS_TRUNCATE if abi >= 3 else 0)
        for path, allowed in [*((p, rights) for p in writable), (devices, file_rights)]:
            if not os.path.exists(path):
                continue
            target = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                allow = allowed if os.path.isdir(path) else allowed & file_rights
                rule = ctypes.create_string_buffer(struct.pack("=Qi", allow, target), 12)
                if libc.syscall(_LANDLOCK_ADD_RULE, fd, _RULE_PATH_BENEATH, rule, 0) < 0:
                    raise _fail(f"landlock_add_rule({path})")
            finally:
                os.close(target)
        if net:
            for port in tcp_ports:
                rule = ctypes.create_string_buffer(struct.pack("=QQ", _NET_CONNECT_TCP, int(port)), 16)
                if libc.syscall(_LANDLOCK_ADD_RULE, fd, _RULE_NET_PORT, rule, 0) < 0:
                    raise _fail(f"landlock_add_rule(port {port})")
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise _fail("prctl(PR_SET_NO_NEW_PRIVS)")
        if libc.syscall(_LANDLOCK_RESTRICT_SELF, fd, 0) < 0:
            raise _fail("landlock_restrict_self")
    finally:
        os.close(fd)
    return True, bool(net)


def seccomp_program(arch: str, socket_families: Sequence[int] = ()) -> bytes:
    """The BPF filter for ``arch`` (``x86_64``, ``aarch64``): refuse the system calls of the module docstring
    with EPERM, and ``socket`` with EACCES unless its family is in ``socket_families``; kill the process on a
    system call of another architecture (a 32-bit one issued from 64-bit code)."""
    spec = _ARCH[arch]
    deny = sorted(spec["deny"].values())  # type: ignore[union-attr]
    code: list[tuple[int, int, int, int]] = []

    def ret(value: int) -> None:
        code.append((_RET_K, 0, 0, value))

    code.append((_LD_ABS_W, 0, 0, 4))  # seccomp_data.arch
    code.append((_JEQ_K, 1, 0, int(spec["audit"])))  # type: ignore[arg-type]
    ret(_RET_KILL_PROCESS)
    code.append((_LD_ABS_W, 0, 0, 0))  # seccomp_data.nr
    if spec["x32"]:
        code.append((_JGE_K, 0, 1, int(spec["x32"])))  # type: ignore[arg-type]
        ret(_RET_ERRNO | errno.EPERM)
    for nr in deny:
        code.append((_JEQ_K, 0, 1, nr))
        ret(_RET_ERRNO | errno.EPERM)
    code.append((_JEQ_K, 0, 2 + 2 * len(socket_families), int(spec["socket"])))  # type: ignore[arg-type]
    code.append((_LD_ABS_W, 0, 0, 16))  # seccomp_data.args[0], low half: the family
    for family in socket_families:
        code.append((_JEQ_K, 0, 1, int(family)))
        ret(_RET_ALLOW)
    ret(_RET_ERRNO | errno.EACCES)
    ret(_RET_ALLOW)
    return b"".join(struct.pack("=HBBI", *insn) for insn in code)


def seccomp(socket_families: Sequence[int] = ()) -> bool:
    """Install :func:`seccomp_program` on every thread of this process (and what it starts); False where this
    architecture or OS has none. Raises OSError where the kernel refuses it."""
    arch = platform.machine().lower()
    if sys.platform != "linux" or arch not in _ARCH:
        return False
    program = seccomp_program(arch, socket_families)
    filt = ctypes.create_string_buffer(program, len(program))
    prog = struct.pack("=HxxxxxxQ", len(program) // 8, ctypes.addressof(filt))
    prog_buf = ctypes.create_string_buffer(prog, len(prog))
    libc = _libc()
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise _fail("prctl(PR_SET_NO_NEW_PRIVS)")
    if libc.syscall(int(_ARCH[arch]["seccomp"]), _SECCOMP_SET_MODE_FILTER,  # type: ignore[call-overload]
                    _SECCOMP_FILTER_FLAG_TSYNC, prog_buf) != 0:
        raise _fail("seccomp(SECCOMP_SET_MODE_FILTER)")
    return True


def confine(writable: Sequence[str | os.PathLike[str]], tcp_ports: Sequence[int] = ()) -> Confinement:
    """Confine this process (call it before it starts threads): file writes beneath ``writable`` only, and no
    network but TCP connections to ``tcp_ports`` (an LLM-calling problem's endpoint). Returns what holds; a
    layer the kernel lacks is listed in ``missing``, one it refuses raises OSError."""
    abi = landlock_abi()
    missing = []
    writes, tcp = landlock([Path(p) for p in writable], tcp_ports)
    if not writes:
        missing.append("Landlock (Linux 5.13+): file writes are not limited")
    elif not tcp:
        missing.append(f"Landlock network rules (ABI 4+, here {abi}): TCP is not limited by port")
    if writes and abi < 6:
        missing.append(f"Landlock scoping (ABI 6+, here {abi}): signals are not limited")
    families = (socket.AF_INET, socket.AF_INET6) if tcp_ports else ()
    syscalls = seccomp(families)
    if not syscalls:
        missing.append(f"seccomp filter for {platform.machine() or 'this machine'} on {sys.platform}")
    return Confinement(writes=writes, tcp=tcp, scoped=writes and abi >= 6, syscalls=syscalls, landlock_abi=abi,
                       missing=tuple(missing))


__all__ = ["Confinement", "confine", "landlock", "landlock_abi", "seccomp", "seccomp_program"]
