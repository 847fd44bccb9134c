#!/usr/bin/env python3
"""Mixed push/pull load for bench/soak.sh: CLIENTS threads, each with one keep-alive connection,
for DURATION seconds against one registry. Prints one JSON object with the counts on stdout and
each failure (at most the first 50) on stderr.

Every client loops over a weighted mix:
  push     fresh random layers (monolithic PUT, POST ?digest=, or PATCH chunks then PUT), a config,
           an OCI manifest, PUT under a tag of a small shared set (so tags are overwritten while
           others read them)
  pull     GET of a known blob (content checked against its digest) or a manifest by tag or digest
           (checked against Docker-Content-Digest)
  head     HEAD of a known blob (Content-Length checked) or manifest
  list     GET tags/list, or /v2/_catalog
A request fails when the status is not the expected one, the content does not match, or the
connection breaks (one reconnect is allowed only after a server-side close with keep-alive off).
"""

import argparse
import hashlib
import http.client
import json
import os
import random
import sys
import threading
import time

REPOS = [f"soak/repo{i}" for i in range(8)]
TAGS = [f"t{i}" for i in range(16)]
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar"


class Failure(Exception):
    pass


class Shared:
    """What the clients pushed: blobs (repo, digest, size) and manifests (repo, digest)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.blobs = []
        self.manifests = []
        self.counts = {}
        self.failures = []
        self.latencies = []

    def _keep(self, pool, item):
        # A bounded sample: past 20,000 items a random old one is replaced.
        with self.lock:
            if len(pool) < 20000:
                pool.append(item)
            else:
                pool[random.randrange(len(pool))] = item

    def add_blob(self, item):
        self._keep(self.blobs, item)

    def add_manifest(self, item):
        self._keep(self.manifests, item)

    def pick_blob(self):
        with self.lock:
            return random.choice(self.blobs) if self.blobs else None

    def pick_manifest(self):
        with self.lock:
            return random.choice(self.manifests) if self.manifests else None


def digest_of(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def random_size(rng):
    # Mostly small layers, now and then a large one: enough bytes to exercise streaming and the
    # upload files without filling the disk in ten minutes.
    r = rng.random()
    if r < 0.70:
        return rng.randint(64, 8 * 1024)
    if r < 0.97:
        return rng.randint(8 * 1024, 128 * 1024)
    return rng.randint(512 * 1024, 2 * 1024 * 1024)


class Client:
    def __init__(self, host, port, shared, index, stop_at):
        self.host = host
        self.port = port
        self.shared = shared
        self.rng = random.Random(os.urandom(16))
        self.index = index
        self.stop_at = stop_at
        self.conn = None
        self.counts = {"requests": 0, "failed": 0, "bytes_up": 0, "bytes_down": 0}
        self.ops = {}

    def connect(self):
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(self, method, path, body=None, headers=None, expect=(200,)):
        headers = dict(headers or {})
        if body is not None:
            headers.setdefault("Content-Length", str(len(body)))
        if self.conn is None:
            self.connect()
        self.counts["requests"] += 1
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as e:
            self.conn.close()
            self.conn = None
            raise Failure(f"{method} {path}: {type(e).__name__}: {e}")
        if body is not None:
            self.counts["bytes_up"] += len(body)
        self.counts["bytes_down"] += len(data)
        if resp.status not in expect:
            raise Failure(f"{method} {path}: status {resp.status}, want {expect}: {data[:300]!r}")
        if resp.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return resp, data

    def push_blob(self, repo, data):
        digest = digest_of(data)
        style = self.rng.randrange(3)
        if style == 0:  # POST ?digest= with the body: monolithic in one request
            self.request("POST", f"/v2/{repo}/blobs/uploads/?digest={digest}", body=data,
                         headers={"Content-Type": "application/octet-stream"}, expect=(201,))
        else:
            resp, _ = self.request("POST", f"/v2/{repo}/blobs/uploads/", body=b"",
                                   expect=(202,))
            location = resp.getheader("Location")
            if not location:
                raise Failure(f"POST /v2/{repo}/blobs/uploads/: no Location")
            if style == 2 and len(data) > 1:  # chunked: PATCH twice, then PUT with no body
                cut = self.rng.randint(1, len(data) - 1)
                offset = 0
                for chunk in (data[:cut], data[cut:]):
                    resp, _ = self.request(
                        "PATCH", location, body=chunk,
                        headers={"Content-Type": "application/octet-stream",
                                 "Content-Range": f"{offset}-{offset + len(chunk) - 1}"},
                        expect=(202,))
                    offset += len(chunk)
                    location = resp.getheader("Location") or location
                data_for_put = b""
            else:
                data_for_put = data
            sep = "&" if "?" in location else "?"
            self.request("PUT", f"{location}{sep}digest={digest}", body=data_for_put,
                         headers={"Content-Type": "application/octet-stream"}, expect=(201,))
        self.shared.add_blob((repo, digest, len(data)))
        return digest

    def op_push(self):
        repo = self.rng.choice(REPOS)
        layers = []
        for _ in range(self.rng.randint(1, 3)):
            data = os.urandom(random_size(self.rng))
            layers.append({"mediaType": LAYER_TYPE, "digest": self.push_blob(repo, data),
                           "size": len(data)})
        config = json.dumps({"architecture": "amd64", "os": "linux",
                             "soak": {"client": self.index, "nonce": os.urandom(8).hex()}}
                            ).encode()
        config_desc = {"mediaType": CONFIG_TYPE, "digest": self.push_blob(repo, config),
                       "size": len(config)}
        manifest = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST_TYPE,
                               "config": config_desc, "layers": layers}).encode()
        tag = self.rng.choice(TAGS)
        resp, _ = self.request("PUT", f"/v2/{repo}/manifests/{tag}", body=manifest,
                               headers={"Content-Type": MANIFEST_TYPE}, expect=(201,))
        digest = digest_of(manifest)
        if resp.getheader("Docker-Content-Digest") != digest:
            raise Failure(f"PUT manifest {repo}:{tag}: digest header "
                          f"{resp.getheader('Docker-Content-Digest')}, want {digest}")
        self.shared.add_manifest((repo, digest))

    def op_pull(self):
        if self.rng.random() < 0.6:
            blob = self.shared.pick_blob()
            if blob is None:
                return self.op_push()
            repo, digest, size = blob
            _, data = self.request("GET", f"/v2/{repo}/blobs/{digest}")
            if len(data) != size or digest_of(data) != digest:
                raise Failure(f"GET /v2/{repo}/blobs/{digest}: {len(data)} bytes that do not "
                              f"match the digest")
            return None
        if self.rng.random() < 0.5:
            repo, ref = self.rng.choice(REPOS), self.rng.choice(TAGS)
            expect = (200, 404)  # a tag nobody has pushed yet
        else:
            m = self.shared.pick_manifest()
            if m is None:
                return self.op_push()
            repo, ref = m
            expect = (200,)
        resp, data = self.request("GET", f"/v2/{repo}/manifests/{ref}",
                                  headers={"Accept": MANIFEST_TYPE}, expect=expect)
        if resp.status == 200:
            header = resp.getheader("Docker-Content-Digest")
            if header != digest_of(data) or (ref.startswith("sha256:") and header != ref):
                raise Failure(f"GET /v2/{repo}/manifests/{ref}: body does not match "
                              f"Docker-Content-Digest {header}")
            json.loads(data)
        return None

    def op_head(self):
        if self.rng.random() < 0.5:
            blob = self.shared.pick_blob()
            if blob is None:
                return None
            repo, digest, size = blob
            resp, _ = self.request("HEAD", f"/v2/{repo}/blobs/{digest}")
            if resp.getheader("Content-Length") != str(size):
                raise Failure(f"HEAD /v2/{repo}/blobs/{digest}: Content-Length "
                              f"{resp.getheader('Content-Length')}, want {size}")
        else:
            m = self.shared.pick_manifest()
            if m is None:
                return None
            repo, digest = m
            resp, _ = self.request("HEAD", f"/v2/{repo}/manifests/{digest}",
                                   headers={"Accept": MANIFEST_TYPE})
            if resp.getheader("Docker-Content-Digest") != digest:
                raise Failure(f"HEAD /v2/{repo}/manifests/{digest}: wrong digest header")
        return None

    def op_list(self):
        if self.rng.random() < 0.8:
            repo = self.rng.choice(REPOS)
            resp, data = self.request("GET", f"/v2/{repo}/tags/list", expect=(200, 404))
            if resp.status == 200:
                tags = json.loads(data).get("tags") or []
                if any(t not in TAGS for t in tags):
                    raise Failure(f"GET /v2/{repo}/tags/list: unexpected tags {tags}")
        else:
            _, data = self.request("GET", "/v2/_catalog?n=100")
            json.loads(data)

    def run(self):
        ops = [(self.op_push, 20), (self.op_pull, 45), (self.op_head, 20), (self.op_list, 15)]
        total = sum(w for _, w in ops)
        while time.monotonic() < self.stop_at:
            r = self.rng.uniform(0, total)
            for fn, weight in ops:
                r -= weight
                if r <= 0:
                    break
            name = fn.__name__[3:]
            started = time.monotonic()
            try:
                fn()
                self.ops[name] = self.ops.get(name, 0) + 1
            except Failure as e:
                self.counts["failed"] += 1
                with self.shared.lock:
                    if len(self.shared.failures) < 50:
                        self.shared.failures.append(str(e))
            except Exception as e:  # noqa: BLE001 - a bug in this client is a failure too
                self.counts["failed"] += 1
                with self.shared.lock:
                    if len(self.shared.failures) < 50:
                        self.shared.failures.append(f"{name}: {type(e).__name__}: {e}")
            with self.shared.lock:
                self.shared.latencies.append(time.monotonic() - started)
        if self.conn is not None:
            self.conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=600)
    args = parser.parse_args()

    shared = Shared()
    stop_at = time.monotonic() + args.duration
    clients = [Client(args.host, args.port, shared, i, stop_at) for i in range(args.clients)]
    threads = [threading.Thread(target=c.run, daemon=True) for c in clients]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(args.duration + 120)
    elapsed = time.monotonic() - started
    hung = sum(1 for t in threads if t.is_alive())

    result = {"clients": args.clients, "seconds": round(elapsed, 1), "hung_clients": hung}
    for key in ("requests", "failed", "bytes_up", "bytes_down"):
        result[key] = sum(c.counts[key] for c in clients)
    ops = {}
    for c in clients:
        for k, v in c.ops.items():
            ops[k] = ops.get(k, 0) + v
    result["operations"] = ops
    result["requests_per_second"] = round(result["requests"] / elapsed, 1)
    lat = sorted(shared.latencies)
    if lat:
        result["operation_ms"] = {"p50": round(lat[len(lat) // 2] * 1000, 1),
                                  "p99": round(lat[int(len(lat) * 0.99)] * 1000, 1),
                                  "max": round(lat[-1] * 1000, 1)}
    for f in shared.failures:
        print(f"soak: FAILED {f}", file=sys.stderr)
    print(json.dumps(result))
    return 1 if result["failed"] or hung else 0


if __name__ == "__main__":
    sys.exit(main())
