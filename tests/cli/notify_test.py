"""smq-broker's readiness notifications (systemd's sd_notify protocol, as Type=notify
uses it): a unix datagram socket stands in for the service manager through NOTIFY_SOCKET.
READY=1 arrives once the broker accepts connections, SIGHUP gives RELOADING=1 (with
MONOTONIC_USEC) then READY=1, SIGTERM gives STOPPING=1; each with a STATUS= line.
Without NOTIFY_SOCKET the broker runs as before.

Usage: notify_test.py BUILD_DIR
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from cli_support import check, finish, start_logged  # noqa: E402

BROKER = os.path.join(sys.argv[1], "broker", "smq-broker")
RECEIVE_TIMEOUT_S = 10
DATAGRAM_MAX = 4096


def fields(datagram):
    return dict(line.split("=", 1) for line in datagram.decode().splitlines() if "=" in line)


def receive(sock):
    try:
        return fields(sock.recv(DATAGRAM_MAX))
    except socket.timeout:
        return {}


def main():
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "notify.sock")
        manager = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        manager.bind(path)
        manager.settimeout(RECEIVE_TIMEOUT_S)
        config = os.path.join(work, "smq.toml")
        with open(config, "w") as f:
            f.write('listen = ["127.0.0.1:0"]\n')
        env = dict(os.environ, NOTIFY_SOCKET=path)
        proc = subprocess.Popen([BROKER, "--config", config], stderr=subprocess.PIPE, text=True,
                                env=env)
        try:
            ready = receive(manager)
            check("READY=1 at start-up", ready.get("READY") == "1", repr(ready))
            check("with a STATUS line", "serving" in ready.get("STATUS", ""), repr(ready))
            # READY=1 must mean serving: a connection is accepted right away.
            port_line = proc.stderr.readline()
            while port_line and "listening on" not in port_line:
                port_line = proc.stderr.readline()
            port = int(port_line.split("127.0.0.1:")[1].split(" ")[0])
            try:
                socket.create_connection(("127.0.0.1", port), timeout=RECEIVE_TIMEOUT_S).close()
                accepted = True
            except OSError as e:
                accepted = e
            check("accepting once READY=1", accepted is True, repr(accepted))

            proc.send_signal(signal.SIGHUP)
            reloading = receive(manager)
            check("SIGHUP: RELOADING=1", reloading.get("RELOADING") == "1", repr(reloading))
            check("RELOADING=1 carries MONOTONIC_USEC",
                  reloading.get("MONOTONIC_USEC", "").isdigit(), repr(reloading))
            again = receive(manager)
            check("then READY=1 again", again.get("READY") == "1", repr(again))

            proc.send_signal(signal.SIGTERM)
            stopping = receive(manager)
            check("SIGTERM: STOPPING=1", stopping.get("STOPPING") == "1", repr(stopping))
            check("the broker exits with status 0", proc.wait(timeout=RECEIVE_TIMEOUT_S) == 0)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            manager.close()

    # Without NOTIFY_SOCKET nothing changes: it starts and stops as usual.
    os.environ.pop("NOTIFY_SOCKET", None)
    proc, _, log = start_logged([BROKER, "--listen", "127.0.0.1:0"])
    proc.send_signal(signal.SIGTERM)
    check("without NOTIFY_SOCKET: starts and stops", proc.wait(timeout=RECEIVE_TIMEOUT_S) == 0
          and log.wait_for("stopped"), log.text())
    finish("cli.notify")


main()
