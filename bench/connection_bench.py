#!/usr/bin/env python3
"""Hostile connections against registries, side by side: can a slow or huge request starve the
server or blow up its memory? See bench/README.md.

For each server (one or two Berth binaries, e.g. before and after a change, and Debian's
docker-registry), each attack runs on a freshly started process so that its peak RSS is its own:

- slow: 1,100 connections from 127.0.0.2-127.0.0.250 each send a request head one byte a second;
  after a few seconds a normal `GET /v2/` from 127.0.0.1 is timed (20 s at most), and the server's
  thread count read;
- body: a 600 MiB POST to an unknown path, sent until the server stops reading;
- header: one 200 MiB header line, sent until the server stops reading;
then the server's peak RSS (VmHWM) over its idle RSS, and whether it still answers.
"""
import argparse
import os
import resource
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from registry_bench import Server, start_distribution, free_port  # noqa: E402

MIB = 1 << 20


def start_berth(binary, work, name):
    port = free_port()
    root = os.path.join(work, name)
    os.makedirs(os.path.join(root, "storage"))
    config = os.path.join(root, "config.yaml")
    with open(config, "w") as f:
        f.write(f"logLevel: warn\nregistry:\n  listen: 127.0.0.1:{port}\n"
                f"  storage: {root}/storage\n")
    server = Server(name, [binary, "serve", "--config", config],
                    f"http://127.0.0.1:{port}/readyz", os.path.join(root, "log"))
    return server, port


def answer_seconds(port, timeout=20.0):
    """Seconds until a normal GET /v2/ from 127.0.0.1 is answered, or None."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(max(0.1, timeout - (time.monotonic() - started)))
            s.sendall(b"GET /v2/ HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            if not s.recv(64).startswith(b"HTTP/1."):
                return None
    except OSError:
        return None
    return time.monotonic() - started


def slow_attack(port, count=1100, warmup=5.0):
    sockets = []
    for i in range(count):
        source = f"127.0.0.{2 + i % 249}"
        try:
            s = socket.socket()
            s.bind((source, 0))
            s.settimeout(5)
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /v2/ HTTP/1.1\r\nX-Slow: ")
            s.setblocking(False)
            sockets.append(s)
        except OSError:
            s.close()
    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            for s in sockets:
                try:
                    s.send(b"a")
                except OSError:
                    pass
            stop.wait(1.0)

    thread = threading.Thread(target=trickle)
    thread.start()
    time.sleep(warmup)
    return sockets, stop, thread


def stream_attack(port, prefix, total):
    """Sends `prefix` then `total` bytes of filler until the server stops reading."""
    sent = 0
    chunk = b"a" * MIB
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(prefix)
            while sent < total:
                s.sendall(chunk)
                sent += len(chunk)
    except OSError:
        pass
    return sent


def run_server(label, start, work):
    row = {"server": label}
    # slow clients
    server, port = start(work, f"{label}-slow")
    sockets, stop, thread = slow_attack(port)
    row["slow_open"] = len(sockets)
    row["slow_answer_s"] = answer_seconds(port)
    row["slow_threads"] = server.status_kib("Threads")
    stop.set()
    thread.join()
    for s in sockets:
        s.close()
    server.stop()
    # huge body, huge header
    for key, prefix, total in (
            ("body", b"POST /no/such/path HTTP/1.1\r\nHost: bench\r\nContent-Length: "
             + str(600 * MIB).encode() + b"\r\n\r\n", 600 * MIB),
            ("header", b"GET /v2/ HTTP/1.1\r\nHost: bench\r\nX-Big: ", 200 * MIB)):
        server, port = start(work, f"{label}-{key}")
        idle = server.status_kib("VmRSS")
        row[f"{key}_sent_mib"] = stream_attack(port, prefix, total) / MIB
        time.sleep(0.5)
        row[f"{key}_peak_over_idle_mib"] = (server.status_kib("VmHWM") - idle) / 1024
        row[f"{key}_still_answers"] = answer_seconds(port, 10) is not None
        server.stop()
    return row


def fmt(value):
    if value is None:
        return "no answer in 20 s"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--berth", action="append", required=True, metavar="LABEL=BINARY",
                        help="a Berth binary to measure (repeatable: before=..., after=...)")
    parser.add_argument("--no-distribution", action="store_true")
    parser.add_argument("--out", help="also write the markdown table here")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    servers = []
    for item in args.berth:
        label, _, binary = item.partition("=")
        servers.append((label, lambda work, name, b=binary: start_berth(b, work, name)))
    if not args.no_distribution:
        def distribution(work, name):
            registry = start_distribution(os.path.join(work, name))
            return registry.server, registry.port
        servers.append(("docker-registry", distribution))

    rows = []
    with tempfile.TemporaryDirectory(prefix="berth-conn-bench-") as work:
        for label, start in servers:
            rows.append(run_server(label, start, work))

    columns = [("slow_open", "slow connections held open"),
               ("slow_answer_s", "normal GET /v2/ answered after, s"),
               ("slow_threads", "server threads meanwhile"),
               ("body_sent_mib", "600 MiB POST to an unknown path: MiB sent before the server stopped reading"),
               ("body_peak_over_idle_mib", "... peak RSS over idle, MiB"),
               ("body_still_answers", "... still answers"),
               ("header_sent_mib", "200 MiB header line: MiB sent before the server stopped reading"),
               ("header_peak_over_idle_mib", "... peak RSS over idle, MiB"),
               ("header_still_answers", "... still answers")]
    lines = ["| figure | " + " | ".join(r["server"] for r in rows) + " |",
             "|---|" + "---|" * len(rows)]
    for key, title in columns:
        lines.append(f"| {title} | " + " | ".join(fmt(r.get(key)) for r in rows) + " |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
