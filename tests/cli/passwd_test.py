#!/usr/bin/env python3
"""Process-level tests of smq-passwd, as an operator's script would use it: the password on
standard input (not a terminal), add, update, a second user, delete, errors and exit
statuses, the file's mode, the terminal prompts (on a pseudo-terminal: echo off, the two
entries must match), and that each stored line is plain PBKDF2-HMAC-SHA512 as
docs/decisions/0006 describes (recomputed here with hashlib, independently of the C++ code).

Usage: passwd_test.py BUILD_DIR
"""
import base64
import hashlib
import os
import pty
import select
import stat
import subprocess
import sys
import tempfile

from cli_support import check, finish

BUILD = sys.argv[1]
PASSWD = os.path.join(BUILD, "broker", "smq-passwd")


def run(*args, password=None):
    """Runs smq-passwd with `password` (str or bytes, sent as given) on a pipe."""
    data = password.encode() if isinstance(password, str) else password
    return subprocess.run([PASSWD, *args], input=data if data is not None else b"",
                          capture_output=True, timeout=30)


def entries(path):
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f]
    return [l.split(":", 1) for l in lines if l and not l.lstrip().startswith("#")]


def verifies(stored, password):
    """Recomputes the hash from the stored scheme, iterations and salt."""
    empty, scheme, iterations, salt, digest = stored.split("$")
    if empty or scheme != "pbkdf2-sha512" or str(int(iterations)) != iterations:
        return False
    salt, digest = base64.b64decode(salt, validate=True), base64.b64decode(digest, validate=True)
    derived = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, int(iterations), len(digest))
    return derived == digest


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_usage():
    out = run("--help")
    check("--help: exit 0, usage on stdout", out.returncode == 0 and b"smq-passwd FILE USER" in out.stdout)
    out = run("--version")
    check("--version", out.returncode == 0 and out.stdout.startswith(b"smq-passwd "))
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "pw")
        for args, what in (
            ([], b"expected FILE and USER"),
            ([f], b"expected FILE and USER"),
            ([f, "alice", "extra"], b"expected FILE and USER"),
            (["-D", f], b"expected FILE and USER"),
            (["--bogus", f, "alice"], b"unknown option '--bogus'"),
            ([f, "al:ice"], b"bad user name: user name contains ':'"),
            ([f, "al ice"], b"bad user name"),
            ([f, ""], b"bad user name: empty user name"),
            ([f, "u" * 256], b"bad user name: user name longer than 255 bytes"),
        ):
            out = run(*args, password="pw\n")
            shown = " ".join("FILE" if a == f else a[:20] for a in args)
            check(f"usage error [{shown}]: exit 2",
                  out.returncode == 2 and out.stderr.startswith(b"smq-passwd: ") and what in out.stderr,
                  f"exit {out.returncode}: {out.stderr!r}")
        check("usage errors create no file", not os.path.exists(f))


def test_edit():
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "passwd")
        old_umask = os.umask(0o022)  # a usual umask would allow 0644; the file must be 0600
        try:
            out = run(f, "alice", password="first secret\n")
        finally:
            os.umask(old_umask)
        check("add: exit 0", out.returncode == 0, f"{out.returncode} {out.stderr!r}")
        check("add: says added", b"added user 'alice'" in out.stderr, out.stderr)
        check("new file is mode 0600", mode(f) == 0o600, oct(mode(f)))
        e = entries(f)
        check("one line for alice", len(e) == 1 and e[0][0] == "alice", e)
        first = e[0][1]
        check("stored line has the documented format and 210000 iterations",
              first.startswith("$pbkdf2-sha512$210000$") and len(first.split("$")) == 5, first)
        check("stored hash verifies with hashlib", verifies(first, "first secret"))
        check("a wrong password does not", not verifies(first, "first secreT"))

        out = run(f, "bob", password=b"bob's pw\r\n")
        check("second user: exit 0", out.returncode == 0, out.stderr)
        e = entries(f)
        check("second user appended after the first", [u for u, _ in e] == ["alice", "bob"], e)
        check("CRLF stripped from the password", verifies(e[1][1], "bob's pw"))
        check("first user unchanged", e[0][1] == first)

        os.chmod(f, 0o640)
        with open(f, "a") as fh:
            fh.write("# a comment the operator wrote\n")
        out = run(f, "alice", password="second secret")  # no newline at all
        check("update: exit 0, says updated", out.returncode == 0 and b"updated user 'alice'" in out.stderr,
              out.stderr)
        e = entries(f)
        check("update keeps order", [u for u, _ in e] == ["alice", "bob"], e)
        check("updated hash verifies, old password no longer", verifies(e[0][1], "second secret")
              and not verifies(e[0][1], "first secret"))
        check("update keeps the file's mode", mode(f) == 0o640, oct(mode(f)))
        with open(f) as fh:
            check("update keeps comments", "# a comment the operator wrote\n" in fh.read())

        before = open(f).read()
        for password, what, why in ((b"", b"empty password refused", "empty input"),
                                    (b"\n", b"empty password refused", "empty line"),
                                    (b"x" * 1025 + b"\n", b"password longer than 1024 bytes", "too long")):
            out = run(f, "carol", password=password)
            check(f"password refused ({why}): exit 1, file unchanged",
                  out.returncode == 1 and what in out.stderr and open(f).read() == before,
                  f"{out.returncode} {out.stderr!r}")
        out = run(f, "carol", password=b"x" * 1024 + b"\n")
        check("a 1024-byte password is accepted", out.returncode == 0, out.stderr)

        out = run("-D", f, "bob")
        check("delete: exit 0", out.returncode == 0 and b"deleted user 'bob'" in out.stderr, out.stderr)
        check("delete removed only bob", [u for u, _ in entries(f)] == ["alice", "carol"], entries(f))
        out = run("-D", f, "bob")
        check("delete a missing user: exit 1 with a message",
              out.returncode == 1 and b"no user 'bob'" in out.stderr, f"{out.returncode} {out.stderr!r}")
        out = run("-D", os.path.join(d, "nonexistent"), "bob")
        check("delete from a missing file: exit 1", out.returncode == 1 and b"cannot read" in out.stderr,
              out.stderr)

        with open(f, "a") as fh:
            fh.write("broken line\n")
        before = open(f).read()
        broken_line = len(before.splitlines())
        out = run(f, "dave", password="pw\n")
        check("a broken file is reported with its line, not overwritten",
              out.returncode == 1 and f"{f}:{broken_line}: expected USER:HASH".encode() in out.stderr
              and open(f).read() == before, f"{out.returncode} {out.stderr!r}")

        ro = os.path.join(d, "ro")
        os.mkdir(ro)
        os.chmod(ro, 0o500)
        try:
            target = os.path.join(ro, "pw")
            out = run(target, "alice", password="pw\n")
            # root may write anywhere; the check only means something for other users.
            if os.geteuid() != 0:
                check("unwritable directory: exit 1", out.returncode == 1 and b"cannot" in out.stderr,
                      out.stderr)
        finally:
            os.chmod(ro, 0o700)
        leftovers = [n for n in os.listdir(d) if n.startswith(".")]
        check("no temporary files left", leftovers == [], leftovers)


def read_until(fd, marker, timeout=10):
    """Reads the terminal's output until `marker` appears; returns all of it."""
    seen = b""
    while marker not in seen:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            break
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the other side closed (EIO on Linux)
            break
        if not chunk:
            break
        seen += chunk
    return seen


def on_terminal(f, user, first, second):
    """Runs smq-passwd with a pseudo-terminal as stdin and stderr and types the two
    passwords, each after its prompt (input typed earlier would be flushed when echo goes
    off). Returns (exit status, everything the terminal showed)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([PASSWD, f, user], stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    shown = read_until(master, b"New password: ")
    os.write(master, first + b"\n")
    shown += read_until(master, b"Repeat the password: ")
    os.write(master, second + b"\n")
    try:
        status = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        status = proc.wait()
    shown += read_until(master, b"\0", timeout=1)
    os.close(master)
    return status, shown


def test_terminal():
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "pw")
        status, shown = on_terminal(f, "alice", b"typed secret", b"typed secret")
        check("terminal: both prompts, exit 0", status == 0 and b"Repeat the password" in shown,
              f"{status} {shown!r}")
        check("terminal: the password is not echoed", b"typed secret" not in shown, shown)
        check("terminal: the hash verifies", verifies(entries(f)[0][1], "typed secret"))
        before = open(f).read()
        status, shown = on_terminal(f, "alice", b"one", b"two")
        check("terminal: passwords that differ: exit 1, file unchanged",
              status == 1 and b"the passwords differ" in shown and open(f).read() == before,
              f"{status} {shown!r}")


test_usage()
test_edit()
test_terminal()
finish("passwd")
