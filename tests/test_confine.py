"""The OS layer (evolve/sandbox/confine.py, evolve/sandbox/runner.py): code that skips the static check, run inside a
real evaluator, can neither connect to a TCP port on 127.0.0.1 nor reach a unix socket, nor write a file in the home
folder or in the shared /tmp; it can write in its scratch folder. The same attacks succeed with the layer
turned off, so the tests can fail."""

from __future__ import annotations

import errno
import os
import socket
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from tests_helpers import FAULTS

from evolve.problem import ProblemSpec
from evolve.sandbox import confine

SECCOMP_DATA = struct.Struct("=iIQ6Q")
NEEDS_LANDLOCK = pytest.mark.skipif(confine.landlock_abi() < 4, reason="the kernel has no Landlock network rules")


def run_bpf(program: bytes, nr: int, arch: int, args: tuple[int, ...] = (0,) * 6) -> int:
    """What the seccomp filter ``program`` returns for one system call (a classic-BPF interpreter of the few
    instructions the filter uses)."""
    data = SECCOMP_DATA.pack(nr, arch, 0, *(list(args) + [0] * (6 - len(args))))
    insns = [struct.unpack("=HBBI", program[i:i + 8]) for i in range(0, len(program), 8)]
    pc, acc = 0, 0
    while True:
        code, jt, jf, k = insns[pc]
        if code == 0x20:
            acc = struct.unpack_from("=I", data, k)[0]
        elif code in (0x15, 0x35):
            hit = acc == k if code == 0x15 else acc >= k
            pc += jt if hit else jf
        elif code == 0x06:
            return k
        else:
            raise AssertionError(f"unexpected BPF instruction {code:#x}")
        pc += 1


def test_the_seccomp_filter_refuses_sockets_ptrace_and_foreign_architectures():
    program = confine.seccomp_program("x86_64")
    x86 = 0xC000003E
    eacces, eperm = 0x00050000 | errno.EACCES, 0x00050000 | errno.EPERM
    assert run_bpf(program, 41, x86, (socket.AF_INET,)) == eacces  # socket
    assert run_bpf(program, 41, x86, (socket.AF_UNIX,)) == eacces
    assert run_bpf(program, 101, x86) == eperm  # ptrace
    assert run_bpf(program, 310, x86) == eperm  # process_vm_readv
    assert run_bpf(program, 425, x86) == eperm  # io_uring_setup
    assert run_bpf(program, 0x40000000 + 41, x86) == eperm  # the x32 socket
    assert run_bpf(program, 0, x86) == 0x7FFF0000  # read
    assert run_bpf(program, 1, 0x40000003) == 0x80000000  # an i386 system call kills the process
    opened = confine.seccomp_program("x86_64", (socket.AF_INET, socket.AF_INET6))
    assert run_bpf(opened, 41, x86, (socket.AF_INET,)) == 0x7FFF0000
    assert run_bpf(opened, 41, x86, (socket.AF_UNIX,)) == eacces
    arm = confine.seccomp_program("aarch64")
    assert run_bpf(arm, 198, 0xC00000B7, (socket.AF_INET,)) == eacces and run_bpf(arm, 63, 0xC00000B7) == 0x7FFF0000


@NEEDS_LANDLOCK
def test_a_confined_process_writes_only_beneath_its_folders_and_opens_no_socket(tmp_path):
    allowed, outside = tmp_path / "scratch", tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    code = textwrap.dedent(f"""
        import socket, sys
        from evolve.sandbox.confine import confine
        held = confine([{str(allowed)!r}])
        assert held.writes and held.tcp and held.syscalls, held
        open({str(allowed / "ok.txt")!r}, "w").write("ok")
        for attack in (lambda: open({str(outside / "no.txt")!r}, "w"), lambda: socket.socket(),
                       lambda: socket.socket(socket.AF_UNIX)):
            try:
                attack()
            except PermissionError:
                continue
            sys.exit("an attack succeeded")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (allowed / "ok.txt").exists() and not (outside / "no.txt").exists()


def breakout(marker: str, confined: bool, **options):
    """Run the os_breakout problem's attacks inside a :class:`ConfinedEvaluator`; the attacks' outcomes."""
    from evolve.evaluation.evaluator import Task
    from evolve.sandbox.runner import ConfinedEvaluator

    spec = ProblemSpec(source=(FAULTS / "os_breakout.py").read_text(), path="os_breakout.py",
                       options={"marker": marker, **options})
    evaluator = ConfinedEvaluator(spec, confine=confined, isolated=True, compile_cache="")
    try:
        record = evaluator.run([Task(1, source="def f(x):\n    return 1.0 + x\n")])[0]
    finally:
        evaluator.close()
    assert record.status == "ok", record.error
    return record.metrics, evaluator.confinement


@NEEDS_LANDLOCK
def test_code_past_the_static_check_cannot_connect_or_write_outside_its_scratch_folder(tmp_path, monkeypatch):
    with socket.socket() as server, socket.socket(socket.AF_UNIX) as unix:
        server.bind(("127.0.0.1", 0))
        server.listen()
        unix.bind(str(tmp_path / "u.sock"))
        unix.listen()
        marker = f"evolve-breach-{os.getpid()}"
        home_file, tmp_file = Path.home() / f"{marker}.txt", Path("/tmp", f"{marker}.txt")
        try:
            seen, held = breakout(marker, True, port=server.getsockname()[1], unix_path=str(tmp_path / "u.sock"))
            assert held.writes and held.syscalls and not held.missing
            for attack in ("connect", "home_write", "tmp_write", "unix_connect"):
                assert seen[attack].startswith("PermissionError"), (attack, seen[attack])
            assert seen["scratch_write"] == "done"
            assert not home_file.exists() and not tmp_file.exists()
            # The control: the same attacks, unconfined, succeed (HOME moved so nothing lands in the real one).
            monkeypatch.setenv("HOME", str(tmp_path))
            seen, held = breakout(marker, False, port=server.getsockname()[1], unix_path=str(tmp_path / "u.sock"))
            assert seen["connect"] == seen["home_write"] == seen["unix_connect"] == "done", seen
            assert held.missing and not held.network_closed
        finally:
            tmp_file.unlink(missing_ok=True)


@NEEDS_LANDLOCK
def test_an_llm_calling_problem_reaches_its_endpoint_port_and_no_other():
    with socket.socket() as endpoint, socket.socket() as other:
        endpoint.bind(("127.0.0.1", 0))
        endpoint.listen()
        other.bind(("127.0.0.1", 0))
        other.listen()
        code = textwrap.dedent(f"""
            import socket
            from evolve.sandbox.confine import confine
            held = confine([], tcp_ports=[{endpoint.getsockname()[1]}])
            socket.create_connection(("127.0.0.1", {endpoint.getsockname()[1]}), timeout=5).close()
            try:
                socket.create_connection(("127.0.0.1", {other.getsockname()[1]}), timeout=5)
            except PermissionError:
                print("refused")
        """)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "refused", done.stderr


def test_a_campaign_runs_its_candidates_confined(ray_session, tmp_path):
    from bench.fault_injection.runs import breach_attempts

    facts = breach_attempts(tmp_path)
    assert facts["status"] == "finished" and facts["scratch_write"] == "done", facts  # TMPDIR: its scratch folder
    if confine.landlock_abi() >= 4:  # the whole OS layer holds on this kernel
        assert facts["refused"] and not facts["written"], facts
        assert "missing" not in facts["confinement"], facts


def test_messages_larger_than_a_pipe_reach_the_runner_whole():
    """A resumed campaign of a few thousand programs tells each evaluator every hash it has seen, well over the
    64 KiB a pipe holds; the runner read its unbuffered pipe once per message, got part of it and died, and every
    evaluator that replaced it died alike (bench/engine_throughput.py at 1,000 programs). In a process of its own,
    since an evaluator whose runner dies ends its own process too."""
    script = textwrap.dedent("""
        from evolve.problem import ProblemSpec
        from evolve.sandbox.runner import ConfinedEvaluator
        from evolve.evaluation.evaluator import Task

        evaluator = ConfinedEvaluator(ProblemSpec(module="bench.trivial_problem"), confine=False, compile_cache="")
        hashes = [f"{i:064x}" for i in range(5000)]  # about 330 KB pickled
        records = evaluator.run([Task(1, source="def f(x):\\n    return 1.0 + x\\n")], hashes, hashes)
        evaluator.close()
        print("status", records[0].status, records[0].error)
    """)
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert "status ok None" in proc.stdout, (proc.returncode, proc.stdout, proc.stderr[-2000:])
