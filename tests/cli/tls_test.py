#!/usr/bin/env python3
"""TLS listeners of smq-broker, driven by Python's ssl module as a device or browser would.

Certificates are made at test time with the openssl command (a CA, a server certificate for
127.0.0.1, a client certificate from that CA and one from an unrelated CA). Checks: raw SMQ
over TLS (the https bootstrap), WebSocket over TLS, static files over TLS, plaintext on the
TLS port, old protocol versions, start-up errors for unusable files, and client certificates
(Connack 0x04 when missing, 0x05 when rejected). Loopback only; every wait is bounded.

Usage: tls_test.py BUILD_DIR
"""
import base64
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import warnings

from cli_support import (check, exact, finish, frame, make_ca, make_cert, read_frame, read_head,
                         start_listening, start_logged)

warnings.filterwarnings("ignore", category=DeprecationWarning)

BROKER = os.path.join(sys.argv[1], "broker", "smq-broker")


def make_certs(d):
    for ca in ("ca", "rogue"):
        make_ca(d, ca)
    make_cert(d, "server", "ca", server=True)
    make_cert(d, "client", "ca")
    make_cert(d, "intruder", "rogue")


def start(*args):
    return start_listening([BROKER, "--listen", "127.0.0.1:0", *args],
                           r"listening on 127\.0\.0\.1:(\d+) \(TLS")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=10)
        # Under the sanitizers a leak or memory error shows up as a non-zero exit here.
        check("broker exits cleanly", code == 0, f"exit {code}: {proc.stderr.read()[-2000:]}")
    except subprocess.TimeoutExpired:
        proc.kill()
        check("broker exits cleanly", False, "no exit within 10 s")


def tls_socket(port, d, cert=None, **ctx_opts):
    ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.pem"))
    for k, v in ctx_opts.items():
        setattr(ctx, k, v)
    if cert:
        ctx.load_cert_chain(os.path.join(d, f"{cert}.pem"), os.path.join(d, f"{cert}.key"))
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def raw_connect(sock, uid=b"tls-device-1"):
    """The https bootstrap as the Python/Java clients do it; returns the Connack body."""
    sock.sendall(b"GET /smq HTTP/1.1\r\nHost: 127.0.0.1\r\nSimpleMQ: 1\r\n"
                 b"SendSmqHttpResponse: true\r\n\r\n")
    head = read_head(sock)
    assert head.startswith("HTTP/1.1 200") and "SmqBroker: true" in head, head
    init = read_frame(sock)
    assert init[:2] == b"\x01\x01", init
    sock.sendall(frame(2, b"\x01" + bytes([len(uid)]) + uid + b"\x00"))
    return read_frame(sock)


def test_server_tls(d):
    proc, port = start("--tls-listen", "127.0.0.1:0", "--tls-cert", f"{d}/server.pem",
                       "--tls-key", f"{d}/server.key")
    try:
        with tls_socket(port, d) as s:
            check("TLS 1.2 or newer negotiated", s.version() in ("TLSv1.2", "TLSv1.3"), s.version())
            connack = raw_connect(s)
            check("raw SMQ over TLS: Connack accepted", connack[:2] == b"\x03\x00" and len(connack) == 6)
            etid = connack[2:6]
            s.sendall(frame(8, etid + etid + b"\x00\x00\x00\x00over tls"))
            msg = read_frame(s)
            check("raw SMQ over TLS: message to self", msg[0] == 8 and msg[13:] == b"over tls", repr(msg))

        with tls_socket(port, d) as s:
            key = base64.b64encode(os.urandom(16))
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                      b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key +
                      b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
            head = read_head(s)
            check("wss: 101", head.startswith("HTTP/1.1 101"), head.splitlines()[0])
            first = exact(s, 2)
            body = exact(s, first[1] & 0x7F)
            check("wss: Init as a binary frame", first[0] == 0x82 and body[:2] == b"\x01\x01")

        with tls_socket(port, d) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            check("static file over TLS", read_head(s).startswith("HTTP/1.1 200"))

        # Plaintext HTTP on the TLS port: the handshake fails and the socket closes.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                data = s.recv(100)
                closed = not data.startswith(b"HTTP/1.1 200")
            except (ConnectionResetError, socket.timeout):
                closed = True
            check("plaintext on the TLS port is refused", closed)

        try:
            with tls_socket(port, d, maximum_version=ssl.TLSVersion.TLSv1_1,
                            minimum_version=ssl.TLSVersion.TLSv1) as s:
                check("TLS 1.1 refused", False, s.version())
        except (ssl.SSLError, ConnectionResetError, OSError):
            check("TLS 1.1 refused", True)

        # Disconnect, then a TCP half-close without TLS close_notify (as some device stacks
        # do): the broker must still close promptly, not sit out its linger time.
        worst = 0.0
        for i in range(5):
            s = tls_socket(port, d)
            raw_connect(s, b"tls-halfclose-%d" % i)
            s.sendall(frame(11))
            dup = socket.fromfd(s.fileno(), socket.AF_INET, socket.SOCK_STREAM)
            dup.shutdown(socket.SHUT_WR)
            start_time = time.time()
            try:
                while s.recv(100):
                    pass
            except (ssl.SSLError, OSError):
                pass
            worst = max(worst, time.time() - start_time)
            dup.close()
            s.close()
        check("half-closed TLS client is closed promptly", worst < 1.0, f"{worst:.2f} s")

        with tls_socket(port, d) as s:  # the broker still serves after all of that
            check("still serving", raw_connect(s, b"tls-device-2")[:2] == b"\x03\x00")
    finally:
        stop(proc)


def test_client_certificates(d):
    proc, port = start("--tls-listen", "127.0.0.1:0", "--tls-cert", f"{d}/server.pem",
                       "--tls-key", f"{d}/server.key", "--tls-client-ca", f"{d}/ca.pem",
                       "--tls-require-client-cert")
    try:
        with tls_socket(port, d, cert="client") as s:
            check("mTLS: trusted client certificate accepted", raw_connect(s)[:2] == b"\x03\x00")
        with tls_socket(port, d) as s:
            c = raw_connect(s, b"tls-device-3")
            check("mTLS: no certificate -> Connack 0x04",
                  c[:6] == b"\x03\x04\x00\x00\x00\x00" and b"certificate required" in c, repr(c))
        with tls_socket(port, d, cert="intruder") as s:
            c = raw_connect(s, b"tls-device-4")
            check("mTLS: untrusted certificate -> Connack 0x05",
                  c[:6] == b"\x03\x05\x00\x00\x00\x00" and b"certificate rejected" in c, repr(c))
    finally:
        stop(proc)


def test_startup_errors(d):
    for args, what in (
        (["--tls-cert", f"{d}/missing.pem", "--tls-key", f"{d}/server.key"], "missing"),
        (["--tls-cert", f"{d}/server.pem", "--tls-key", f"{d}/client.key"], "mismatch"),
        (["--tls-cert", f"{d}/san.ext", "--tls-key", f"{d}/server.key"], "certificate"),
        (["--tls-cert", f"{d}/server.pem", "--tls-key", f"{d}/server.key",
          "--tls-require-client-cert"], "client-ca"),
    ):
        out = subprocess.run([BROKER, "--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0",
                              *args], capture_output=True, text=True, timeout=10)
        check(f"refuses to start: {what}", out.returncode == 1 and what in out.stderr,
              out.stderr.strip())


def test_tls_only(d):
    """--tls-listen without --listen: a TLS-only broker, the default plain listener is not
    added (plain listeners are logged before TLS ones, so every one is in the lines up to
    the TLS listener's)."""
    proc, port, log = start_logged(
        [BROKER, "--tls-listen", "127.0.0.1:0", "--tls-cert", f"{d}/server.pem",
         "--tls-key", f"{d}/server.key"], r"listening on 127\.0\.0\.1:(\d+) \(TLS")
    try:
        listening = [line for line in log.lines if "listening on" in line]
        check("TLS-only: one listener, the TLS one", len(listening) == 1 and "(TLS" in listening[0],
              repr(listening))
        sock = tls_socket(port, d)
        sock.sendall(b"GET / HTTP/1.0\r\nSimpleMQ: 1\r\n\r\n")
        init = read_frame(sock)
        check("TLS-only: serves raw SMQ over TLS", init[0] == 1, repr(init))
        sock.close()
    finally:
        stop(proc)


def peer_cn(sock):
    return dict(pair[0] for pair in sock.getpeercert()["subject"]).get("commonName")


def test_tls_reload(d):
    """SIGHUP with --config replaces the certificate for new connections; a connection made
    with the old one keeps working; a key that does not match is rejected and the running
    certificate stays."""
    make_cert(d, "server2", "ca", server=True)
    config = os.path.join(d, "reload.toml")

    def write(cert, key):
        with open(config, "w") as f:
            f.write(f'tls_listen = ["127.0.0.1:0"]\ntls_cert = "{cert}"\ntls_key = "{key}"\n'
                    'stats_interval = 0\n')

    write("server.pem", "server.key")  # relative to the file
    proc, port, log = start_logged([BROKER, "--config", config],
                                   r"listening on 127\.0\.0\.1:(\d+) \(TLS")
    try:
        old = tls_socket(port, d)
        check("first certificate served", peer_cn(old) == "server", repr(peer_cn(old)))
        connack = raw_connect(old, b"tls-reload-1")
        check("connected before the reload", connack[:2] == b"\x03\x00", repr(connack))
        write("server2.pem", "server2.key")
        proc.send_signal(signal.SIGHUP)
        check("reload logs the new certificate", log.wait_for(r"reload: tls_cert: .*server2\.pem"),
              log.text()[-2000:])
        new = tls_socket(port, d)
        check("new connections get the new certificate", peer_cn(new) == "server2",
              repr(peer_cn(new)))
        new.close()
        old.sendall(frame(12))
        check("connection made with the old certificate still works", read_frame(old) == b"\x0d")
        write("server.pem", "server2.key")  # a key that does not match
        proc.send_signal(signal.SIGHUP)
        check("mismatched key rejected", log.wait_for(r"reload rejected, the running configuration "
                                                       r"stays: .*mismatch"), log.text()[-2000:])
        again = tls_socket(port, d)
        check("running certificate stays after a rejected reload", peer_cn(again) == "server2",
              repr(peer_cn(again)))
        again.close()
        old.close()
    finally:
        stop(proc)


with tempfile.TemporaryDirectory() as tmp:
    make_certs(tmp)
    test_server_tls(tmp)
    test_client_certificates(tmp)
    test_startup_errors(tmp)
    test_tls_only(tmp)
    test_tls_reload(tmp)
finish("tls")
