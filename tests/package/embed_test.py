"""Embedding through an installed tree: installs the build into a temporary prefix, builds
tests/package/embed (the README's embedding example) as an outside CMake project with
find_package(smq), runs it on loopback and checks that it serves /healthz, that its
authenticate hook admits "secret" and refuses anything else, and that its in-process
subscriber answers a publish. Also checks the installed layout (web app, example config).

Usage: embed_test.py BUILD_DIR CMAKE_COMMAND
"""
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from cli_support import check, finish, frame, read_frame, start_logged  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD, CMAKE = sys.argv[1], sys.argv[2]
CONNECT_TIMEOUT_S = 5
BUILD_TIMEOUT_S = 600


def run(argv, **kw):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, **kw)
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-4000:])
    return result.returncode == 0


def connect(port, uid, credentials):
    """A raw SMQ Connect; returns (socket, Connack body)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=CONNECT_TIMEOUT_S)
    sock.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\nSimpleMQ: 1\r\n\r\n")
    read_frame(sock)  # Init
    sock.sendall(frame(2, b"\x02\x00\x00" + bytes([len(uid)]) + uid
                       + bytes([len(credentials)]) + credentials))
    return sock, read_frame(sock)


def exercise(program):
    proc, port, log = start_logged([program, "127.0.0.1:0", "127.0.0.1:0"])
    try:
        check("monitoring listener reported",
              log.wait_for(r"monitoring on 127\.0\.0\.1:\d+"), log.text())
        mport = int(re.search(r"monitoring on 127\.0\.0\.1:(\d+)", log.text()).group(1))
        with urllib.request.urlopen(f"http://127.0.0.1:{mport}/healthz",
                                    timeout=CONNECT_TIMEOUT_S) as r:
            check("/healthz answers 200", r.status == 200)
        sock, connack = connect(port, b"embed-test-wrong", b"guess")
        check("hook refuses other credentials", connack[:2] == b"\x03\x03", repr(connack))
        sock.close()
        sock, connack = connect(port, b"embed-test-right", b"secret")
        check("hook admits 'secret'", connack[:2] == b"\x03\x00", repr(connack))
        etid = struct.unpack(">I", connack[2:6])[0]
        sock.sendall(frame(6, b"hello"))  # Create
        ack = read_frame(sock)
        sock.sendall(frame(8, ack[2:6] + struct.pack(">I", etid) + b"\x00\x00\x00\x00hi"))
        reply = read_frame(sock)
        dest = struct.unpack(">I", reply[1:5])[0]
        check("server code replies to the publisher",
              reply[0] == 8 and dest == etid and reply[13:] == b"hi there", repr(reply))
        sock.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def check_installed_web_app(prefix):
    """The installed smq-broker serves <prefix>/share/smq/www, found from its own path."""
    www = os.path.join(prefix, "share", "smq", "www")
    os.makedirs(www, exist_ok=True)
    marker = b"<!doctype html><title>installed web app marker</title>"
    with open(os.path.join(www, "index.html"), "wb") as f:
        f.write(marker)
    proc, port, log = start_logged([os.path.join(prefix, "bin", "smq-broker"),
                                    "--listen", "127.0.0.1:0"])
    try:
        check("installed broker reports its installed web root",
              log.wait_for(re.escape(f"web root: {www}")), log.text())
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html",
                                    timeout=CONNECT_TIMEOUT_S) as r:
            check("installed broker serves the installed web app", r.read() == marker)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def main():
    with open(os.path.join(HERE, "embed", "main.cpp")) as f, \
            open(os.path.join(HERE, "..", "..", "README.md")) as readme:
        check("README shows exactly tests/package/embed/main.cpp",
              "```cpp\n" + f.read() + "```\n" in readme.read())
    work = tempfile.mkdtemp(prefix="smq-embed-")
    try:
        prefix = os.path.join(work, "prefix")
        check("cmake --install to a temporary prefix",
              run([CMAKE, "--install", BUILD, "--prefix", prefix]))
        for path in ["bin/smq-broker", "bin/smq-passwd", "bin/hello5", "bin/smq-pub",
                     "bin/smq-sub", "include/smq/broker/broker.hpp",
                     "include/smq/smq/client.hpp", "include/smq/protocol/limits.hpp",
                     "lib/cmake/smq/smqConfig.cmake", "lib/cmake/smq/smqConfigVersion.cmake",
                     "share/doc/smq/examples/smq.toml"]:
            check(f"installed {path}", os.path.exists(os.path.join(prefix, path)))
        check("no executable-only headers installed",
              not os.path.exists(os.path.join(prefix, "include/smq/broker/app")))
        outside = os.path.join(work, "build")
        check("outside project configures with find_package(smq)",
              run([CMAKE, "-S", os.path.join(HERE, "embed"), "-B", outside,
                   f"-DCMAKE_PREFIX_PATH={prefix}", "-DCMAKE_BUILD_TYPE=Release"]))
        check("outside project builds", run([CMAKE, "--build", outside]))
        check_installed_web_app(prefix)
        program = os.path.join(outside, "embed")
        if os.path.exists(program):
            exercise(program)
        else:
            check("embed program exists", False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    finish("package.embed")


main()
