#!/usr/bin/env python3
"""A secured smq-broker as an operator deploys it: TLS, a password file, an HS256 token key
and [[acl]] rules, all from one --config file with relative paths, driven over raw SMQ on
TLS with Python's ssl module.

Checks: --check accepts the file and refuses a broken rule (exit 2, file and line named);
password logins (right, wrong, empty credentials); subscribe and create rights from the
rules ("*", a named user, %u, deny_subscribe); a token login (its "sub" is the user the
rules see) and an expired token; SIGHUP reloads: a tightened rule applies to the next
request of a connected client which stays connected, a user removed from the password file
gets Disconnect "credentials revoked" while others stay, and a broken file (bad pattern,
invalid TOML) is rejected with the previous rules still in force; SIGTERM exits 0.
Loopback only; every wait is bounded.

Usage: secured_test.py BUILD_DIR
"""
import base64
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from cli_support import check, finish, frame, make_ca, make_cert, read_frame, read_head, start_logged

# Absolute: the programs run with the temporary directory as their working directory.
BROKER = os.path.abspath(os.path.join(sys.argv[1], "broker", "smq-broker"))
PASSWD = os.path.abspath(os.path.join(sys.argv[1], "broker", "smq-passwd"))
PASSWORDS = {"alice": "alice-pw-1", "bob": "bob-pw-2"}

# Packet types (protocol/ and tests/support/packets.cpp).
CONNECT, CONNACK, SUBSCRIBE, SUBACK, CREATE, CREATEACK = 2, 3, 4, 5, 6, 7
DISCONNECT, PING, PONG = 11, 12, 13

# The rules under test. "*" is every logged-in user (password or token); "alice" adds to it.
RULES = """
[[acl]]
user = "*"
subscribe = [{sub}"users/%u/#"]
publish = ["chat/#"]
deny_subscribe = ["chat/secret"]

[[acl]]
user = "alice"
publish = ["news"]
"""


def config_text(subscribe_chat=True, extra_rule=""):
    # stats_interval = 0: no "$smq/stats" traffic; log_level info: reload and login lines.
    # connect_timeout: the Connect deadline covers the TLS handshake and the password hash,
    # which under the sanitizers on a loaded 2-core machine can take longer than the 4 s
    # default; this test is about logins and rules, not that deadline.
    return ('listen = ["127.0.0.1:0"]\ntls_listen = ["127.0.0.1:0"]\n'
            'tls_cert = "server.pem"\ntls_key = "server.key"\n'
            'log_level = "info"\nstats_interval = 0\nconnect_timeout = 30000\n\n'
            '[auth]\npassword_file = "passwd"\njwt_secret_file = "jwt.secret"\n'
            + RULES.format(sub='"chat/#", ' if subscribe_chat else "") + extra_rule)


def make_files(d):
    """CA + server certificate for 127.0.0.1, the password file, the token secret."""
    make_ca(d, "ca")
    make_cert(d, "server", "ca", server=True)
    for user, password in PASSWORDS.items():
        subprocess.run([PASSWD, "passwd", user], cwd=d, input=password + "\n", text=True,
                       check=True, capture_output=True, timeout=60)
    # Printable, so no byte of it is the trailing newline the broker would drop.
    secret = secrets.token_hex(20).encode()
    with open(os.path.join(d, "jwt.secret"), "wb") as f:
        f.write(secret)
    return secret


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def hs256_token(secret, claims):
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    signature = hmac.new(secret, head + b"." + body, hashlib.sha256).digest()
    return head + b"." + body + b"." + b64url(signature)


def login(port, d, uid, credentials):
    """TLS, the https raw bootstrap, Connect v1 with credentials; returns (socket, Connack).
    UIDs are at least 6 bytes (protocol/limits.hpp), else Connack 1 "uid too short"."""
    ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.pem"))
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)  # see connect_timeout in config_text
    sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    sock.sendall(b"GET /smq HTTP/1.1\r\nHost: 127.0.0.1\r\nSimpleMQ: 1\r\n"
                 b"SendSmqHttpResponse: true\r\n\r\n")
    head = read_head(sock)
    assert head.startswith("HTTP/1.1 200"), head
    init = read_frame(sock)
    assert init[0] == 1, init
    sock.sendall(frame(CONNECT, b"\x01" + bytes([len(uid)]) + uid
                       + bytes([len(credentials)]) + credentials))
    return sock, read_frame(sock)


def accepted(connack):
    return connack[:2] == bytes([CONNACK, 0]) and len(connack) == 6


def refused(connack, reason):
    return connack[:2] == bytes([CONNACK, 3]) and connack[6:] == reason


def ack(sock, ptype, name):
    """Sends Subscribe or Create for name; returns the ack's status (0 ok, 1 denied)."""
    sock.sendall(frame(ptype, name.encode()))
    reply = read_frame(sock)
    assert reply[0] == ptype + 1 and reply[6:] == name.encode(), reply
    return reply[1]


def alive(sock):
    try:
        sock.sendall(frame(PING))
        return read_frame(sock) == bytes([PONG])
    except (OSError, EOFError):
        return False


def check_config(d):
    out = subprocess.run([BROKER, "--config", "smq.toml", "--check"], cwd=d,
                         capture_output=True, text=True, timeout=30)
    check("--check accepts the secured file", out.returncode == 0,
          f"exit {out.returncode}: {out.stderr.strip()}")
    broken = config_text(extra_rule='\n[[acl]]\nuser = "bob"\npublish = ["a/#/b"]\n')
    with open(os.path.join(d, "broken.toml"), "w") as f:
        f.write(broken)
    out = subprocess.run([BROKER, "--config", "broken.toml", "--check"], cwd=d,
                         capture_output=True, text=True, timeout=30)
    # The error points at the line of the key that holds the pattern.
    (line,) = [n for n, text in enumerate(broken.splitlines(), 1) if "a/#/b" in text]
    named = f"broken.toml:{line}: key 'publish' in [[acl]]" in out.stderr
    check("--check refuses a bad pattern: exit 2, file and line named",
          out.returncode == 2 and named and "a/#/b" in out.stderr,
          f"exit {out.returncode}: {out.stderr.strip()}")


def reload(proc, log, pattern, times=1):
    proc.send_signal(signal.SIGHUP)
    return log.wait_for(pattern, times=times, timeout=15)


def run(d, secret):
    config = os.path.join(d, "smq.toml")
    proc, port, log = start_logged([BROKER, "--config", config],
                                   r"listening on 127\.0\.0\.1:(\d+) \(TLS")
    try:
        alice, c = login(port, d, b"secured-alice-1", b"alice:" + PASSWORDS["alice"].encode())
        check("alice, right password: Connack 0", accepted(c), repr(c))
        s, c = login(port, d, b"secured-alice-2", b"alice:wrong")
        check("alice, wrong password: Connack 3", refused(c, b"bad user name or password"), repr(c))
        s.close()
        s, c = login(port, d, b"secured-nobody-1", b"")
        check("empty credentials: Connack 3", refused(c, b"credentials required"), repr(c))
        s.close()
        bob, c = login(port, d, b"secured-bob-1", b"bob:" + PASSWORDS["bob"].encode())
        check("bob, right password: Connack 0", accepted(c), repr(c))

        for name, want in (("chat/room", 0), ("users/alice/x", 0), ("users/bob/x", 1),
                           ("chat/secret", 1)):
            status = ack(alice, SUBSCRIBE, name)
            check(f"alice subscribes {name}: {'ok' if want == 0 else 'denied'}", status == want,
                  f"status {status}")
        status = ack(alice, CREATE, "news")
        check("alice creates news (her own rule): ok", status == 0, f"status {status}")
        status = ack(bob, CREATE, "news")
        check("bob creates news: denied", status == 1, f"status {status}")

        # A token's "sub" is the user name the rules see, %u included.
        token = hs256_token(secret, {"sub": "carol", "exp": int(time.time()) + 600})
        carol, c = login(port, d, b"secured-carol-1", token)
        check("HS256 token: Connack 0", accepted(c), repr(c))
        status = ack(carol, SUBSCRIBE, "users/carol/a")
        check("carol (token) subscribes users/carol/a: ok", status == 0, f"status {status}")
        status = ack(carol, SUBSCRIBE, "users/alice/a")
        check("carol (token) subscribes users/alice/a: denied", status == 1, f"status {status}")
        carol.close()
        # Well past the 30 s of clock skew the broker allows.
        expired = hs256_token(secret, {"sub": "carol", "exp": int(time.time()) - 600})
        s, c = login(port, d, b"secured-carol-2", expired)
        check("expired token: Connack 3", refused(c, b"token expired"), repr(c))
        s.close()

        # Tighten: "*" loses chat/#. The next request follows the new rule; alice stays.
        with open(config, "w") as f:
            f.write(config_text(subscribe_chat=False))
        check("reload logs the changed rules",
              reload(proc, log, r"reload: acl: 2 rule\(s\) -> 2 rule\(s\)"), log.text()[-2000:])
        status = ack(alice, SUBSCRIBE, "chat/other")
        check("after tightening: chat/other denied", status == 1, f"status {status}")
        status = ack(alice, SUBSCRIBE, "users/alice/y")
        check("after tightening: users/alice/y still ok", status == 0, f"status {status}")
        check("after tightening: alice still connected", alive(alice))

        # Remove bob while he is connected: his session ends, alice's does not.
        out = subprocess.run([PASSWD, "-D", "passwd", "bob"], cwd=d, capture_output=True,
                             text=True, timeout=30)
        check("smq-passwd -D bob", out.returncode == 0, out.stderr.strip())
        check("reload logs the revoked session",
              reload(proc, log, r"reload: disconnected 1 session\(s\)"), log.text()[-2000:])
        try:
            bye = read_frame(bob)
        except (OSError, EOFError) as e:
            bye = repr(e).encode()
        check("bob gets Disconnect 'credentials revoked'",
              bye == bytes([DISCONNECT]) + b"credentials revoked", repr(bye))
        try:
            rest = bob.recv(100)
            closed = rest == b""
        except (OSError, ssl.SSLError):
            closed = True
        check("bob's connection is closed", closed)
        bob.close()
        s, c = login(port, d, b"secured-bob-2", b"bob:" + PASSWORDS["bob"].encode())
        check("bob can no longer log in", refused(c, b"bad user name or password"), repr(c))
        s.close()
        check("alice stays connected after bob's removal", alive(alice))

        # Broken files: rejected as a whole, the running rules stay.
        rejected = r"reload rejected, the running configuration stays: .*smq\.toml:\d+: "
        for n, (what, why, text) in enumerate((
                ("a bad pattern", r"key 'publish' in \[\[acl\]\]: '#' must be the last level",
                 config_text(extra_rule='\n[[acl]]\nuser = "alice"\nsubscribe = ["chat/#"]\n'
                                        'publish = ["a/#/b"]\n')),
                # The parser's own wording (toml++) follows the file and line; not pinned.
                ("invalid TOML", r"\S",
                 config_text(subscribe_chat=True) + "\n[[acl]\nuser = \n")), 1):
            # Both would (if accepted) give alice chat/# back, so a leak would show.
            with open(config, "w") as f:
                f.write(text)
            check(f"reload rejects {what}", reload(proc, log, rejected + why) and
                  log.count(r"reload: acl:") == 1, log.text()[-2000:])
            check(f"after rejecting {what}: alice still connected", alive(alice))
            status = ack(alice, SUBSCRIBE, f"users/alice/z{n}")
            check(f"after rejecting {what}: users/alice/z{n} ok", status == 0, f"status {status}")
            status = ack(alice, SUBSCRIBE, "chat/other")
            check(f"after rejecting {what}: chat/other still denied", status == 1,
                  f"status {status}")
        alice.close()
    except (OSError, EOFError, AssertionError) as e:
        # An unexpected packet or a dropped connection: one failure, then the broker stops.
        check("no unexpected error", False, f"{e!r}: {log.text()[-2000:]}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=10)
            check("SIGTERM: exit 0", code == 0, f"exit {code}: {log.text()[-2000:]}")
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
            check("SIGTERM: exit 0", False, "no exit within 10 s")


with tempfile.TemporaryDirectory() as tmp:
    jwt_secret = make_files(tmp)
    with open(os.path.join(tmp, "smq.toml"), "w") as f:
        f.write(config_text())
    check_config(tmp)
    run(tmp, jwt_secret)
finish("secured")
