#!/usr/bin/env python3
"""Berth against CNCF distribution (Debian's docker-registry) and nginx, side by side.

Started by bench/run.sh, which builds Berth (Release) and installs the peers. Every server runs
on 127.0.0.1 in one temporary directory; every figure is taken from all servers in the same
round, one after another, so machine load hits them alike. Clients are curl (transfers) and wrk
(request rates); the server's CPU comes from /proc/PID/stat, its memory from /proc/PID/status.
"""

import argparse
import datetime
import hashlib
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

MIB = 1 << 20
CLK_TCK = os.sysconf("SC_CLK_TCK")
REPO = "bench/app"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
EMPTY_DIGEST = "sha256:" + hashlib.sha256(b"").hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(pid):
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(entry))
        except OSError:
            continue
    return out


class Server:
    """One server process (with its worker children, for nginx)."""

    def __init__(self, name, argv, ready_url, log_path, cwd=None):
        self.name = name
        self.ready_url = ready_url
        self.log = open(log_path, "wb")
        started = time.monotonic()
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, cwd=cwd)
        self.ready_ms = self._wait_ready(started)
        time.sleep(0.3)  # let the process settle before the idle figures
        self.idle_rss_kib = self.status_kib("VmRSS")

    def _wait_ready(self, started):
        url = urllib.parse.urlsplit(self.ready_url)
        deadline = started + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"{self.name} exited during start; see {self.log.name}")
            try:
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=1)
                conn.request("GET", url.path)
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return (time.monotonic() - started) * 1000
            except OSError:
                pass
            time.sleep(0.0005)
        sys.exit(f"{self.name} did not become ready; see {self.log.name}")

    def pids(self):
        return [self.proc.pid] + children_of(self.proc.pid)

    def cpu_seconds(self):
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except OSError:
                continue
        return total / CLK_TCK

    def status_kib(self, key):
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith(key + ":"):
                            total += int(line.split()[1])
            except OSError:
                continue
        return total

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Registry:
    """Speaks the distribution API to one registry with curl and http.client."""

    def __init__(self, server, port):
        self.server = server
        self.base = f"http://127.0.0.1:{port}"
        self.port = port

    def request(self, method, path, body=b"", headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        data = res.read()
        conn.close()
        return res.status, dict(res.getheaders()), data

    def absolute(self, location):
        return urllib.parse.urljoin(self.base + "/", location)

    def start_upload(self):
        status, headers, _ = self.request("POST", f"/v2/{REPO}/blobs/uploads/")
        if status != 202:
            sys.exit(f"{self.server.name}: upload start answered {status}")
        return self.absolute(headers["Location"])

    def curl_upload(self, method, url, path, extra=()):
        hdr = os.path.join(os.path.dirname(path), "curl-headers")
        cmd = ["curl", "-sS", "-X", method, "-T", path, "-H", "Expect:", "-H",
               "Content-Type: application/octet-stream", "-D", hdr, "-o", "/dev/null",
               "-w", "%{http_code}", *extra, url]
        code = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        location = None
        with open(hdr) as f:
            for line in f:
                if line.lower().startswith("location:"):
                    location = line.split(":", 1)[1].strip()
        return int(code), location

    @staticmethod
    def with_digest(url, digest):
        return url + ("&" if "?" in url else "?") + "digest=" + urllib.parse.quote(digest)

    def push_monolithic(self, path, digest):
        url = self.start_upload()
        code, _ = self.curl_upload("PUT", self.with_digest(url, digest), path)
        if code != 201:
            sys.exit(f"{self.server.name}: monolithic PUT answered {code}")

    def push_chunked(self, chunks, digest):
        # One keep-alive connection for all PATCHes, as containerd and skopeo do: a curl process
        # per chunk would make process start-up, not the registry, the measured figure.
        url = self.start_upload()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120, blocksize=MIB)
        offset = 0
        for chunk in chunks:
            size = os.path.getsize(chunk)
            target = urllib.parse.urlsplit(url)
            with open(chunk, "rb") as body:
                conn.request("PATCH", target.path + ("?" + target.query if target.query else ""),
                             body=body, headers={
                                 "Content-Type": "application/octet-stream",
                                 "Content-Length": str(size),
                                 "Content-Range": f"{offset}-{offset + size - 1}"})
                res = conn.getresponse()
                res.read()
            if res.status != 202:
                sys.exit(f"{self.server.name}: PATCH answered {res.status}")
            url = self.absolute(res.getheader("Location"))
            offset += size
        target = urllib.parse.urlsplit(self.with_digest(url, digest))
        conn.request("PUT", target.path + "?" + target.query, body=b"",
                     headers={"Content-Type": "application/octet-stream"})
        res = conn.getresponse()
        res.read()
        conn.close()
        if res.status != 201:
            sys.exit(f"{self.server.name}: closing PUT answered {res.status}")

    def push_small(self, data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        url = urllib.parse.urlsplit(self.with_digest(self.start_upload(), digest))
        status, _, body = self.request("PUT", url.path + "?" + url.query, data,
                                       {"Content-Type": "application/octet-stream"})
        if status != 201:
            sys.exit(f"{self.server.name}: small blob PUT answered {status}: {body[:200]}")
        return digest

    def put_manifest(self, tag, manifest):
        status, _, body = self.request("PUT", f"/v2/{REPO}/manifests/{tag}", manifest,
                                       {"Content-Type": OCI_MANIFEST})
        if status != 201:
            sys.exit(f"{self.server.name}: manifest PUT answered {status}: {body[:300]}")


def curl_pull(urls):
    """Downloads every URL at once to /dev/null; returns (bytes, seconds, the clients' CPU
    seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    procs = [subprocess.Popen(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                               url], stdout=subprocess.PIPE, text=True) for url in urls]
    total = 0
    for p in procs:
        out, _ = p.communicate()
        code, size = out.split()
        if code != "200":
            sys.exit(f"pull of {urls[0]} answered {code}")
        total += int(size)
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return total, seconds, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def parse_wrk_time(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url, seconds, headers=(), script=None):
    cmd = ["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": parse_wrk_time(re.search(r"\s50%\s+(\S+)", out).group(1)),
        "p99": parse_wrk_time(re.search(r"\s99%\s+(\S+)", out).group(1)),
        "errors": 0,
    }
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        result["errors"] += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        result["errors"] += sum(int(g) for g in m.groups())
    return result


def measure(server, fn):
    """Runs fn, returns (fn's result, server CPU seconds spent meanwhile)."""
    before = server.cpu_seconds()
    result = fn()
    return result, server.cpu_seconds() - before


def settle_page_cache(client_files):
    """Gives every timed push the same page cache to start from.

    Without it whoever pushes next pays for the writeback of what the one before left dirty
    (docker-registry never fsyncs), and on this VM for more: the page cache only grows, into
    guest memory the host has never backed, and a first touch of such a page costs about 4 ms
    per MiB written (measured with dd: 4.2 s of system time per GiB into fresh memory, 0.2 s
    into memory freed before). Dropping the clean cache after a sync makes every push write into
    recycled pages. The client's own files are read back so it sends from memory as before.
    """
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("1\n")
    except OSError:
        pass  # not root: the figures are then noisier, not wrong
    for name in client_files:
        with open(name, "rb") as f:
            while f.read(4 * MIB):
                pass


def random_file(path, size):
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 16 * MIB)
            f.write(os.urandom(n))
            left -= n
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while data := f.read(4 * MIB):
            h.update(data)
    return "sha256:" + h.hexdigest()


def split_file(path, chunk, out_dir):
    chunks = []
    with open(path, "rb") as f:
        i = 0
        while data := f.read(chunk):
            name = os.path.join(out_dir, f"chunk-{i:03d}")
            with open(name, "wb") as c:
                c.write(data)
            chunks.append(name)
            i += 1
    return chunks


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def uptime_text():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def fmt(value, digits=1):
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def ratio(a, b, lower_is_better=False):
    if not a or not b:
        return "-"
    return f"{(b / a if lower_is_better else a / b):.2f}x"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--webhook-load", required=True)
    parser.add_argument("--policy-bench", required=True)
    parser.add_argument("--repo", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--blob-mib", type=int, default=256)
    parser.add_argument("--chunk-mib", type=int, default=16)
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--webhook-seconds", type=int, default=10)
    parser.add_argument("--out", required=True)
    parser.add_argument("--command", default="bench/run.sh")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--baseline", help="an earlier berth binary, measured in the same rounds")
    parser.add_argument("--baseline-label", default="before",
                        help="what the baseline is (a commit), for the report")
    args = parser.parse_args()

    load_before = uptime_text()
    work = tempfile.mkdtemp(prefix="berth-bench-")
    os.chmod(work, 0o755)
    servers = []
    try:
        results = run(args, work, servers)
    finally:
        for s in servers:
            s.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    results["load_before"] = load_before
    results["load_after"] = uptime_text()
    report(args, results)


def start_berth(args, work, name, durability, binary=None, extra=""):
    port = free_port()
    storage = os.path.join(work, name, "storage")
    os.makedirs(storage)
    config = os.path.join(work, name, "config.yaml")
    with open(config, "w") as f:
        # One benchmark client sends tens of thousands of requests a second: far over the
        # per-client rate limit, which is raised out of its way (and still runs on every request).
        f.write(f"logLevel: info\nregistry:\n  listen: 127.0.0.1:{port}\n"
                f"  storage: {storage}\n  durability: {durability}\n"
                f"  limits: {{requestsPerSecond: 10000000, burst: 100000000}}\n{extra}")
    server = Server(name, [binary or args.berth, "serve", "--config", config],
                    f"http://127.0.0.1:{port}/readyz", os.path.join(work, name, "log"))
    return Registry(server, port)


def start_distribution(work):
    port = free_port()
    root = os.path.join(work, "distribution")
    os.makedirs(os.path.join(root, "storage"))
    config = os.path.join(root, "config.yml")
    with open(config, "w") as f:
        f.write("version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n"
                f"    rootdirectory: {root}/storage\n  delete:\n    enabled: true\n"
                f"http:\n  addr: 127.0.0.1:{port}\n")
    server = Server("docker-registry", ["docker-registry", "serve", config],
                    f"http://127.0.0.1:{port}/v2/", os.path.join(root, "log"))
    return Registry(server, port)


def start_nginx(work):
    port = free_port()
    root = os.path.join(work, "nginx")
    www = os.path.join(root, "www")
    os.makedirs(www)
    os.chmod(root, 0o755)
    os.chmod(www, 0o755)
    open(os.path.join(www, "index.html"), "w").close()
    conf = os.path.join(root, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""daemon off;
master_process on;
worker_processes auto;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path {root}/body;
  proxy_temp_path {root}/proxy;
  fastcgi_temp_path {root}/fastcgi;
  uwsgi_temp_path {root}/uwsgi;
  scgi_temp_path {root}/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {www};
  }}
}}
""")
    server = Server("nginx", ["nginx", "-p", root, "-e", f"{root}/error.log", "-c", conf],
                    f"http://127.0.0.1:{port}/index.html", os.path.join(root, "log"))
    return server, port, www


def run(args, work, servers):
    res = {"ready_ms": {}, "idle_rss": {}, "push": {}, "pull": {}, "rate": {}}
    berth = start_berth(args, work, "berth-fsync", "fsync")
    servers.append(berth.server)
    berth_none = start_berth(args, work, "berth-none", "none")
    servers.append(berth_none.server)
    # Pulls only: blobs read and written instead of sent with sendfile, as 118f63d and
    # docker-registry serve them (registry.sendfile: false).
    berth_copy = start_berth(args, work, "berth-copy", "fsync", extra="  sendfile: false\n")
    servers.append(berth_copy.server)
    dist = start_distribution(work)
    servers.append(dist.server)
    nginx, nginx_port, www = start_nginx(work)
    servers.append(nginx)
    registries = {"berth-fsync": berth, "berth-none": berth_none, "docker-registry": dist}
    baseline = None
    if args.baseline:
        # The earlier binary runs beside the others with Berth's default durability (fsync).
        baseline = start_berth(args, work, "baseline", "fsync", args.baseline)
        servers.append(baseline.server)
        registries["baseline"] = baseline
    for s in servers:
        res["ready_ms"][s.name] = s.ready_ms
        res["idle_rss"][s.name] = s.idle_rss_kib / 1024

    # Pushes: a fresh random blob per round and kind, pushed to each registry in turn.
    blob_dir = os.path.join(work, "client")
    os.makedirs(blob_dir)
    size = args.blob_mib * MIB
    pull_digest = None
    for rnd in range(args.rounds):
        for kind in ("monolithic", "chunked"):
            path = os.path.join(blob_dir, "blob")
            digest = random_file(path, size)
            chunks = split_file(path, args.chunk_mib * MIB, blob_dir) if kind == "chunked" else []
            order = list(registries.items())
            order = order[rnd % len(order):] + order[:rnd % len(order)]  # rotate who goes first
            for name, reg in order:
                settle_page_cache(chunks or [path])  # the files this push sends
                started = time.monotonic()
                fn = (lambda: reg.push_monolithic(path, digest)) if kind == "monolithic" else (
                    lambda: reg.push_chunked(chunks, digest))
                _, cpu = measure(reg.server, fn)
                seconds = time.monotonic() - started
                res["push"].setdefault((kind, name), []).append(
                    (args.blob_mib / seconds, cpu / args.blob_mib))
                print(f"push {kind:10s} {name:16s} {args.blob_mib / seconds:8.1f} MiB/s", flush=True)
            for c in chunks:
                os.remove(c)
            if pull_digest is None:
                pull_digest = digest
                static = os.path.join(www, "blob")
                try:
                    os.link(path, static)
                except OSError:
                    shutil.copyfile(path, static)
                os.chmod(static, 0o644)
            os.remove(path)

    # Manifest, empty blob (for HEAD: wrk cannot read a HEAD answer that announces a body).
    config_blob = json.dumps({"architecture": "amd64", "os": "linux",
                              "rootfs": {"type": "layers", "diff_ids": [pull_digest]}}).encode()
    for reg in registries.values():
        config_digest = reg.push_small(config_blob)
        reg.push_small(b"")
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config_blob)},
            "layers": [{"mediaType": OCI_LAYER, "digest": pull_digest, "size": size}],
        }).encode()
        reg.put_manifest("v1", manifest)

    berth_copy.push_monolithic(os.path.join(www, "blob"), pull_digest)
    pull_targets = {
        "berth": (berth.server, f"{berth.base}/v2/{REPO}/blobs/{pull_digest}"),
        "berth-copy": (berth_copy.server, f"{berth_copy.base}/v2/{REPO}/blobs/{pull_digest}"),
        "docker-registry": (dist.server, f"{dist.base}/v2/{REPO}/blobs/{pull_digest}"),
        "nginx": (nginx, f"http://127.0.0.1:{nginx_port}/blob"),
    }
    if baseline:
        pull_targets["baseline"] = (baseline.server, f"{baseline.base}/v2/{REPO}/blobs/{pull_digest}")
    for clients in (1, 8):
        for name, (server, url) in pull_targets.items():  # warm the page cache once
            curl_pull([url])
        for rnd in range(args.rounds):
            order = list(pull_targets.items())
            order = order[rnd % len(order):] + order[:rnd % len(order)]
            for name, (server, url) in order:
                (nbytes, seconds, client_cpu), cpu = measure(
                    server, lambda: curl_pull([url] * clients))
                mib = nbytes / MIB
                res["pull"].setdefault((clients, name), []).append(
                    (mib / seconds, cpu / mib, client_cpu / mib))
                print(f"pull x{clients} {name:16s} {mib / seconds:8.1f} MiB/s", flush=True)

    head_script = os.path.join(work, "head.lua")
    with open(head_script, "w") as f:
        f.write('wrk.method = "HEAD"\n')
    endpoints = {
        "manifest GET": (f"/v2/{REPO}/manifests/v1", [f"Accept: {OCI_MANIFEST}"], None),
        "blob HEAD (0 B)": (f"/v2/{REPO}/blobs/{EMPTY_DIGEST}", [], head_script),
        "tags list": (f"/v2/{REPO}/tags/list", [], None),
    }
    rate_targets = {"berth": berth, "docker-registry": dist}
    if baseline:
        rate_targets["baseline"] = baseline
    for rnd in range(max(1, args.rounds - 1)):
        for endpoint, (path, headers, script) in endpoints.items():
            order = list(rate_targets.items())
            if rnd % 2:
                order.reverse()
            for name, reg in order:
                r, cpu = measure(reg.server,
                                 lambda: wrk(reg.base + path, args.wrk_seconds, headers, script))
                r["cpu_us"] = cpu / max(1, r["requests"]) * 1e6
                res["rate"].setdefault((endpoint, name), []).append(r)
                print(f"{endpoint:16s} {name:16s} {r['rps']:10.0f}/s p99 {r['p99']:.2f} ms "
                      f"errors {r['errors']}", flush=True)

    res["peak_rss"] = {s.name: s.status_kib("VmHWM") / 1024 for s in servers}
    res["webhook"] = webhook(args, work, args.berth, "webhook")
    if baseline:
        res["baseline_webhook"] = webhook(args, work, args.baseline, "baseline-webhook")
    res["policy"] = subprocess.run([args.policy_bench, "--benchmark_min_time=0.2"],
                                   capture_output=True, text=True).stdout
    return res


def webhook(args, work, binary, name):
    root = os.path.join(work, name)
    os.makedirs(root)
    certs = os.path.join(root, "certs")
    subprocess.run([args.berth, "certs", "generate", "--service", "berth-webhook", "--namespace",
                    "berth", "--dns", "localhost", "--out", certs], check=True,
                   capture_output=True)
    body = os.path.join(args.repo, "tests/fixtures/admission/pod-create.json")
    out = {}
    for rules in (1, 1000):
        policy = os.path.join(root, f"rules-{rules}.yaml")
        subprocess.run([args.webhook_load, "--write-policy", policy, "--rules", str(rules)],
                       check=True)
        port = free_port()
        storage = os.path.join(root, f"storage-{rules}")
        server = start_webhook_server(binary, root, rules, port, certs, policy, storage)
        try:
            before = server.cpu_seconds()
            text = subprocess.run([args.webhook_load, "--port", str(port), "--ca",
                                   f"{certs}/ca.crt", "--body", body, "--seconds",
                                   str(args.webhook_seconds)],
                                  capture_output=True, text=True).stdout
            cpu = server.cpu_seconds() - before
        finally:
            server.stop()
        reviews = int(re.search(r"reviews: (\d+)", text).group(1))
        out[rules] = {
            "rps": float(re.search(r"\((\d+)/s\)", text).group(1)),
            "errors": int(re.search(r"errors: (\d+)", text).group(1)),
            "p50": float(re.search(r"p50 ([\d.e+-]+)", text).group(1)),
            "p99": float(re.search(r"p99 ([\d.e+-]+)", text).group(1)),
            "cpu_us": cpu / max(1, reviews) * 1e6,
        }
        print(f"{name} {rules} rules: {out[rules]}", flush=True)
    return out


def start_webhook_server(binary, root, rules, port, certs, policy, storage):
    # Readiness is the webhook's own port answering; it serves HTTPS, so probe with curl.
    log = open(os.path.join(root, f"log-{rules}"), "wb")
    proc = subprocess.Popen([binary, "serve", "--registry-listen", "127.0.0.1:0", "--storage",
                             storage, "--webhook-listen", f"127.0.0.1:{port}",
                             "--webhook-tls-cert", f"{certs}/tls.crt", "--webhook-tls-key",
                             f"{certs}/tls.key", "--policy", policy, "--log-level", "info"],
                            stdout=log, stderr=subprocess.STDOUT)
    server = Server.__new__(Server)
    server.name, server.proc, server.log = f"berth-webhook-{rules}", proc, log
    for _ in range(400):
        ok = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert",
                             f"{certs}/ca.crt", f"https://localhost:{port}/readyz"],
                            capture_output=True, text=True).stdout
        if ok == "200":
            return server
        time.sleep(0.05)
    server.stop()
    sys.exit(f"webhook server did not become ready; see {log.name}")


def median_pair(values):
    return (statistics.median(v[0] for v in values), statistics.median(v[1] for v in values))


def median_pull(values):
    """(MiB/s, server CPU s/MiB, clients' CPU s/MiB), each the median over rounds."""
    return tuple(statistics.median(v[i] for v in values) for i in range(3))


def compare_baseline(args, res, add, checks):
    """The same figures for an earlier Berth, measured in the same rounds (durability fsync)."""
    label = args.baseline_label
    add(f"## This Berth against {label}\n")
    add(f"Both binaries ran in the same rounds, one after the other, with durability fsync. "
        f"A figure more than 10% worse than {label} fails the target below.\n")
    add(f"| figure | {label} | this | this / {label} |")
    add("|---|---|---|---|")
    rows = []  # (name, before, after, is a throughput: must not fall)
    for kind in ("monolithic", "chunked"):
        rows.append((f"push {kind} MiB/s", median_pair(res["push"][(kind, "baseline")])[0],
                     median_pair(res["push"][(kind, "berth-fsync")])[0], True))
    for clients in (1, 8):
        before = median_pull(res["pull"][(clients, "baseline")])
        copy = median_pull(res["pull"][(clients, "berth-copy")])
        after = median_pull(res["pull"][(clients, "berth")])
        # Like for like: 118f63d read and wrote blobs, as berth-copy (sendfile off) does.
        rows.append((f"pull x{clients} client(s) MiB/s, sendfile off", before[0], copy[0], True))
        rows.append((f"pull x{clients} server CPU ms/MiB, sendfile off", before[1] * 1000,
                     copy[1] * 1000, False))
        # The default sends with sendfile: on loopback the curl clients on the same cores then
        # do the copy the server no longer does (see "Pulls and sendfile" below), so its MiB/s
        # is no target; the CPU the machine spends per MiB, server and clients together, is.
        rows.append((f"pull x{clients} client(s) MiB/s, sendfile (default)", before[0], after[0],
                     False))
        rows.append((f"pull x{clients} server CPU ms/MiB, sendfile (default)", before[1] * 1000,
                     after[1] * 1000, False))
        rows.append((f"pull x{clients} server + clients CPU ms/MiB, sendfile (default)",
                     (before[1] + before[2]) * 1000, (after[1] + after[2]) * 1000, False))
        checks.append((f"pull x{clients} server + clients CPU per MiB (sendfile) not above 1.1x "
                       f"{label}", after[1] + after[2] <= 1.1 * (before[1] + before[2]),
                       f"{(after[1] + after[2]) / (before[1] + before[2]):.2f}x"))
    for endpoint in ("manifest GET", "blob HEAD (0 B)", "tags list"):
        before = res["rate"][(endpoint, "baseline")]
        after = res["rate"][(endpoint, "berth")]
        for key, unit, throughput in (("rps", "req/s", True), ("p99", "p99 ms", False),
                                      ("cpu_us", "server CPU µs/request", False)):
            rows.append((f"{endpoint} {unit}", statistics.median(r[key] for r in before),
                         statistics.median(r[key] for r in after), throughput))
    for rules in (1, 1000):
        rows.append((f"webhook {rules} rule(s) reviews/s", res["baseline_webhook"][rules]["rps"],
                     res["webhook"][rules]["rps"], True))
        rows.append((f"webhook {rules} rule(s) p99 ms", res["baseline_webhook"][rules]["p99"],
                     res["webhook"][rules]["p99"], False))
    rows.append(("peak RSS MiB", res["peak_rss"]["baseline"], res["peak_rss"]["berth-fsync"],
                 False))
    rows.append(("idle RSS MiB", res["idle_rss"]["baseline"], res["idle_rss"]["berth-fsync"],
                 False))
    for name, before, after, throughput in rows:
        add(f"| {name} | {fmt(before, 2)} | {fmt(after, 2)} | "
            f"{after / before if before else float('nan'):.2f}x |")
        if throughput:
            checks.append((f"{name} not below 0.9x {label}", after >= 0.9 * before,
                           f"{after / before:.2f}x"))
    add("")


def report(args, res):
    lines = []
    add = lines.append
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    add("# Berth benchmark results\n")
    add(f"- date: {now}")
    add(f"- command: `{args.command}`")
    add(f"- machine: `nproc` = {os.cpu_count()}, CPU: {cpu_model()}")
    add(f"- load before: `{res['load_before']}`")
    add(f"- load after: `{res['load_after']}`")
    add(f"- rounds: {args.rounds} (median shown), blob {args.blob_mib} MiB, chunks "
        f"{args.chunk_mib} MiB, wrk -t2 -c64 -d{args.wrk_seconds}s keep-alive")
    add("- peers: docker-registry (CNCF distribution 2.8.2, filesystem storage, log level info, "
        "**no fsync**), nginx (sendfile on, access_log off, static file); Berth log level info, "
        "audit off")
    add("- all servers and clients share the same cores; CPU figures are the server's own "
        "utime+stime from /proc\n")

    add("## Registry\n")
    add("| figure | berth | docker-registry | nginx | berth / docker-registry | berth / nginx |")
    add("|---|---|---|---|---|---|")
    checks = []
    for kind in ("monolithic", "chunked"):
        for durability in ("fsync", "none"):
            b = median_pair(res["push"][(kind, f"berth-{durability}")])
            d = median_pair(res["push"][(kind, "docker-registry")])
            add(f"| push {kind} MiB/s (berth durability {durability}) | {fmt(b[0])} | {fmt(d[0])} "
                f"| - | {ratio(b[0], d[0])} | - |")
            add(f"| push {kind} server CPU ms/MiB ({durability}) | {fmt(b[1] * 1000, 2)} | "
                f"{fmt(d[1] * 1000, 2)} | - | {ratio(b[1], d[1], True)} less | - |")
            checks.append((f"push {kind} ({durability}) >= 1.5x docker-registry",
                           b[0] >= 1.5 * d[0], f"{b[0] / d[0]:.2f}x"))
    for clients in (1, 8):
        b = median_pull(res["pull"][(clients, "berth")])
        d = median_pull(res["pull"][(clients, "docker-registry")])
        n = median_pull(res["pull"][(clients, "nginx")])
        c = median_pull(res["pull"][(clients, "berth-copy")])
        add(f"| pull x{clients} client(s) MiB/s | {fmt(b[0])} | {fmt(d[0])} | {fmt(n[0])} | "
            f"{ratio(b[0], d[0])} | {ratio(b[0], n[0])} |")
        add(f"| pull x{clients} server CPU ms/MiB | {fmt(b[1] * 1000, 2)} | {fmt(d[1] * 1000, 2)} "
            f"| {fmt(n[1] * 1000, 2)} | {ratio(b[1], d[1], True)} less | "
            f"{ratio(b[1], n[1], True)} less |")
        add(f"| pull x{clients} clients' CPU ms/MiB (curl, same cores) | {fmt(b[2] * 1000, 2)} | "
            f"{fmt(d[2] * 1000, 2)} | {fmt(n[2] * 1000, 2)} | - | - |")
        add(f"| pull x{clients} MiB/s, berth sendfile off | {fmt(c[0])} | {fmt(d[0])} | "
            f"{fmt(n[0])} | {ratio(c[0], d[0])} | {ratio(c[0], n[0])} |")
        add(f"| pull x{clients} server / clients' CPU ms/MiB, berth sendfile off | "
            f"{fmt(c[1] * 1000, 2)} / {fmt(c[2] * 1000, 2)} | - | - | - | - |")
        checks.append((f"pull x{clients} >= 1.5x docker-registry", b[0] >= 1.5 * d[0],
                       f"{b[0] / d[0]:.2f}x"))
        checks.append((f"pull x{clients} >= 0.8x nginx", b[0] >= 0.8 * n[0],
                       f"{b[0] / n[0]:.2f}x"))
    for endpoint in ("manifest GET", "blob HEAD (0 B)", "tags list"):
        runs = {name: res["rate"][(endpoint, name)] for name in ("berth", "docker-registry")}
        med = {name: {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50", "p99", "cpu_us")}
               for name, rs in runs.items()}
        errors = {name: sum(r["errors"] for r in rs) for name, rs in runs.items()}
        b, d = med["berth"], med["docker-registry"]
        add(f"| {endpoint} req/s | {fmt(b['rps'])} | {fmt(d['rps'])} | - | "
            f"{ratio(b['rps'], d['rps'])} | - |")
        add(f"| {endpoint} p50 / p99 ms | {b['p50']:.2f} / {b['p99']:.2f} | "
            f"{d['p50']:.2f} / {d['p99']:.2f} | - | p99 {ratio(b['p99'], d['p99'], True)} lower | - |")
        add(f"| {endpoint} server CPU µs/request | {fmt(b['cpu_us'])} | {fmt(d['cpu_us'])} | - | "
            f"{ratio(b['cpu_us'], d['cpu_us'], True)} less | - |")
        if errors["berth"] or errors["docker-registry"]:
            add(f"| {endpoint} errors (non-2xx, socket) | {errors['berth']} | "
                f"{errors['docker-registry']} | - | - | - |")
        checks.append((f"{endpoint} >= 3x docker-registry, lower p99, lower CPU/request",
                       b["rps"] >= 3 * d["rps"] and b["p99"] < d["p99"] and
                       b["cpu_us"] < d["cpu_us"],
                       f"{b['rps'] / d['rps']:.2f}x, p99 {b['p99']:.2f} vs {d['p99']:.2f} ms, "
                       f"CPU {b['cpu_us']:.0f} vs {d['cpu_us']:.0f} µs"))
    rss, idle, ready = res["peak_rss"], res["idle_rss"], res["ready_ms"]
    add(f"| peak RSS MiB (VmHWM) | {fmt(rss['berth-fsync'])} | {fmt(rss['docker-registry'])} | "
        f"{fmt(rss['nginx'])} | - | - |")
    add(f"| idle RSS MiB (after start) | {fmt(idle['berth-fsync'])} | "
        f"{fmt(idle['docker-registry'])} | {fmt(idle['nginx'])} | - | - |")
    add(f"| start to ready ms | {fmt(ready['berth-fsync'])} | {fmt(ready['docker-registry'])} | "
        f"{fmt(ready['nginx'])} | - | - |")
    add("")
    add("nginx RSS and CPU are the master plus its workers. Readiness: Berth `/readyz`, "
        "docker-registry `/v2/`, nginx a static file, polled every 0.5 ms from process start. "
        f"berth-none peak RSS {fmt(rss['berth-none'])} MiB.\n")
    add("**Pulls and sendfile.** By default Berth sends a filesystem blob with sendfile(2), from "
        "the page cache to the socket: the server copies nothing (compare its CPU per MiB with "
        "`sendfile off`). On loopback the curl clients run on the same two cores and then copy "
        "the blob out of page-cache pages themselves, where with read-and-write they copy data "
        "the server has just written and the cores' caches still hold: their CPU per MiB rises "
        "and one client's MiB/s falls. A node pulling over a network pays none of that (the "
        "NIC reads the pages); the server's CPU per MiB is what bounds a replica serving many "
        "nodes. nginx, with sendfile on, shows the same.\n")
    checks.append(("peak RSS < 64 MiB", rss["berth-fsync"] < 64, f"{rss['berth-fsync']:.1f} MiB"))
    checks.append(("idle RSS < 20 MiB", idle["berth-fsync"] < 20, f"{idle['berth-fsync']:.1f} MiB"))
    checks.append(("start to ready < 100 ms", ready["berth-fsync"] < 100,
                   f"{ready['berth-fsync']:.1f} ms"))

    if "baseline_webhook" in res:
        compare_baseline(args, res, add, checks)
    add("## Admission webhook (bench/webhook_load, 8 HTTPS keep-alive clients, log level info)\n")
    add("| rules | reviews/s | p50 ms | p99 ms | server CPU µs/review | errors |")
    add("|---|---|---|---|---|---|")
    for rules, w in res["webhook"].items():
        add(f"| {rules} | {fmt(w['rps'])} | {w['p50']:.2f} | {w['p99']:.2f} | {fmt(w['cpu_us'])} "
            f"| {w['errors']} |")
    w = res["webhook"][1000]
    checks.append(("webhook >= 5,000 reviews/s at 1,000 rules", w["rps"] >= 5000,
                   f"{w['rps']:.0f}/s"))
    checks.append(("webhook p99 < 5 ms at 1,000 rules", w["p99"] < 5, f"{w['p99']:.2f} ms"))
    add("")
    add("## Policy (bench/policy_bench)\n")
    add("```")
    add(res["policy"].strip())
    add("```\n")
    add("## Targets\n")
    add("| target | met | measured |")
    add("|---|---|---|")
    for name, ok, measured in checks:
        add(f"| {name} | {'yes' if ok else '**no**'} | {measured} |")
    text = "\n".join(lines) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
