"""What the command-line test scripts in tests/cli share: pass/fail bookkeeping, starting a
program that listens on a free loopback port, raw SMQ framing, and test certificates made
with the openssl command.

check(name, ok, detail) prints one line per check; finish(label) prints the totals and
exits 1 when any check failed.
"""
import os
import re
import struct
import subprocess
import sys
import threading
import time

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name} {detail}", flush=True)


def finish(label):
    print(f"{label}: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


def start_listening(argv, port_pattern=r"listening on 127\.0\.0\.1:(\d+)", drain=False):
    """Starts argv, which must make the program listen on 127.0.0.1:0, and returns
    (process, port) once a line of its stderr matches port_pattern. With drain=True a thread
    then reads the rest of stderr, so a chatty program never blocks on a full pipe; without
    it the caller may read stderr itself (for example after the process exits)."""
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 10
    while time.time() < deadline:
        line = proc.stderr.readline()
        m = re.search(port_pattern, line)
        if m:
            if drain:
                threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, int(m.group(1))
        if not line and proc.poll() is not None:
            break
    proc.kill()
    proc.wait(timeout=10)
    raise RuntimeError(f"{argv[0]} did not report its port")


class Log:
    """Collects a process's stderr lines on a thread so a test can wait for one, bounded."""

    def __init__(self, stream, first_lines=()):
        self.lines = list(first_lines)
        self._cond = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    closed = False

    def count(self, pattern):
        with self._cond:
            return sum(1 for line in self.lines if re.search(pattern, line))

    def wait_for(self, pattern, times=1, timeout=10):
        """True once `times` lines match pattern; False at the deadline or end of stream."""
        deadline = time.time() + timeout
        with self._cond:
            while True:
                if sum(1 for line in self.lines if re.search(pattern, line)) >= times:
                    return True
                left = deadline - time.time()
                if left <= 0 or self.closed:
                    return False
                self._cond.wait(left)

    def text(self):
        with self._cond:
            return "".join(self.lines)


def start_logged(argv, port_pattern=r"listening on 127\.0\.0\.1:(\d+)"):
    """Like start_listening, and returns (process, port, Log) with every stderr line kept,
    including those up to the port line."""
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
    seen = []
    deadline = time.time() + 10
    while time.time() < deadline:
        line = proc.stderr.readline()
        seen.append(line)
        m = re.search(port_pattern, line)
        if m:
            return proc, int(m.group(1)), Log(proc.stderr, seen)
        if not line and proc.poll() is not None:
            break
    proc.kill()
    proc.wait(timeout=10)
    raise RuntimeError(f"{argv[0]} did not report its port: {''.join(seen)[-2000:]}")


def frame(ptype, body=b""):
    """One raw-framed SMQ packet: [u16 length][type][body]."""
    return struct.pack(">HB", len(body) + 3, ptype) + body


def exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def read_frame(sock):
    """The next raw SMQ packet (type byte + body)."""
    (length,) = struct.unpack(">H", exact(sock, 2))
    return exact(sock, length - 2)


def read_head(sock):
    """An HTTP response head, read byte by byte so nothing after it is consumed."""
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            raise EOFError
        head += chunk
    return head.decode("latin-1")


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(d, name):
    """A self-signed CA in d: {name}.pem and {name}.key, valid two days."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            f"/CN=smq test {name}", "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=d)


def make_cert(d, name, ca, server=False):
    """{name}.pem and {name}.key in d, signed by CA {ca}; CN=name. A server certificate is
    for 127.0.0.1 and localhost (subjectAltName)."""
    ext = []
    if server:
        with open(os.path.join(d, "san.ext"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        ext = ["-extfile", "san.ext"]
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout",
            f"{name}.key", "-out", f"{name}.csr", cwd=d)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-days", "2", "-out", f"{name}.pem", *ext, cwd=d)
