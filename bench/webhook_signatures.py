#!/usr/bin/env python3
"""The validating webhook with signature verification on, side by side with the same webhook
judging an image no verify-signature rule matches, in one `berth serve` and one run.

  bench/webhook_signatures.py --berth build/berth --webhook-load build/bench/webhook_load

Images and their cosign keyed signatures (made with the openssl CLI, in cosign's format) are
pushed into the server's own registry. Warm: bench/webhook_load posts one review for a signed
image (its verdict cached) and one for an unsigned image under an allow rule, alternating, for
--seconds each, --rounds times; medians. Cold: a review for each of --images freshly signed
images, one at a time (nothing cached), against a second review of the same image (cached).
Writes bench/SIGNATURES.md.
"""

import argparse
import base64
import hashlib
import http.client
import json
import os
import re
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

import registry_bench
from registry_bench import OCI_MANIFEST, free_port


class Registry(registry_bench.Registry):
    """The distribution API of the server's own registry, for any repository."""

    def __init__(self, port):
        super().__init__(None, port)

    def blob(self, repo, data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        status, _, body = self.request("POST", f"/v2/{repo}/blobs/uploads/?digest={digest}", data,
                                       {"Content-Type": "application/octet-stream"})
        if status != 201:
            sys.exit(f"blob push to {repo} answered {status}: {body[:200]}")
        return digest, len(data)

    def manifest(self, repo, ref, manifest):
        data = json.dumps(manifest).encode()
        status, headers, body = self.request("PUT", f"/v2/{repo}/manifests/{ref}", data,
                                             {"Content-Type": OCI_MANIFEST})
        if status != 201:
            sys.exit(f"manifest push to {repo}:{ref} answered {status}: {body[:200]}")
        return headers["Docker-Content-Digest"]


def descriptor(media_type, digest_size):
    return {"mediaType": media_type, "digest": digest_size[0], "size": digest_size[1]}


def push_image(registry, repo, seed):
    config = registry.blob(repo, json.dumps({"architecture": "amd64", "os": "linux",
                                             "seed": seed}).encode())
    layer = registry.blob(repo, f"layer of {seed}".encode())
    return registry.manifest(repo, "v1", {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": descriptor("application/vnd.oci.image.config.v1+json", config),
        "layers": [descriptor("application/vnd.oci.image.layer.v1.tar", layer)]})


def sign_image(registry, repo, digest, key, work):
    payload = json.dumps({"critical": {"identity": {"docker-reference": f"localhost:5005/{repo}"},
                                       "image": {"docker-manifest-digest": digest},
                                       "type": "cosign container image signature"},
                          "optional": None}).encode()
    path = os.path.join(work, "payload")
    with open(path, "wb") as f:
        f.write(payload)
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key, path],
                               capture_output=True, check=True).stdout
    layer = descriptor("application/vnd.dev.cosign.simplesigning.v1+json",
                       registry.blob(repo, payload))
    layer["annotations"] = {"dev.cosignproject.cosign/signature":
                            base64.b64encode(signature).decode()}
    registry.manifest(repo, "sha256-" + digest[7:] + ".sig", {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": descriptor("application/vnd.oci.image.config.v1+json",
                             registry.blob(repo, b"{}")),
        "layers": [layer]})


def review(image):
    return json.dumps({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "bench", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                    "resource": {"group": "", "version": "v1", "resource": "pods"},
                    "namespace": "bench", "operation": "CREATE",
                    "userInfo": {"username": "bench"},
                    "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                               "spec": {"containers": [{"name": "app", "image": image}]}}}})


def load(args, port, ca, body_path):
    text = subprocess.run([args.webhook_load, "--port", str(port), "--ca", ca, "--body",
                           body_path, "--seconds", str(args.seconds)],
                          capture_output=True, text=True).stdout
    return {"rps": float(re.search(r"\((\d+)/s\)", text).group(1)),
            "p99": float(re.search(r"p99 ([\d.e+-]+)", text).group(1)),
            "errors": int(re.search(r"errors: (\d+)", text).group(1))}


def post_ms(conn, body):
    start = time.perf_counter()
    conn.request("POST", "/validate?timeout=10s", body=body,
                 headers={"Content-Type": "application/json"})
    res = conn.getresponse()
    answer = json.loads(res.read())
    elapsed = (time.perf_counter() - start) * 1000
    return elapsed, answer["response"]["allowed"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--berth", required=True)
    parser.add_argument("--webhook-load", required=True)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--images", type=int, default=50)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "SIGNATURES.md"))
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="berth-sigbench-")
    certs = os.path.join(work, "certs")
    subprocess.run([args.berth, "certs", "generate", "--service", "berth-webhook", "--namespace",
                    "berth", "--dns", "localhost", "--out", certs], check=True,
                   capture_output=True)
    ca = os.path.join(certs, "ca.crt")
    key, pub = os.path.join(work, "release.key"), os.path.join(work, "release.pub")
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key],
                   check=True)
    subprocess.run(["openssl", "ec", "-in", key, "-pubout", "-out", pub], check=True,
                   capture_output=True)
    policy = os.path.join(work, "policy.yaml")
    with open(policy, "w") as f:
        f.write("apiVersion: berth.dev/v1\nkind: ImagePolicy\nmetadata: {name: bench}\nspec:\n"
                "  rules:\n"
                "    - {name: signed, match: {images: ['localhost:5005/signed/.*']},"
                f" action: verify-signature, keys: [{{file: {pub}}}]}}\n"
                "    - {name: ours, match: {images: ['localhost:5005/.*']}, action: allow}\n")
    reg_port, hook_port = free_port(), free_port()
    log = open(os.path.join(work, "berth.log"), "wb")
    server = subprocess.Popen([args.berth, "serve", "--registry-listen", f"127.0.0.1:{reg_port}",
                               "--storage", os.path.join(work, "storage"),
                               "--webhook-listen", f"127.0.0.1:{hook_port}",
                               "--webhook-tls-cert", os.path.join(certs, "tls.crt"),
                               "--webhook-tls-key", os.path.join(certs, "tls.key"),
                               "--policy", policy, "--log-level", "warn"],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        registry = Registry(reg_port)
        for _ in range(400):
            try:
                if registry.request("GET", "/v2/")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        signed = push_image(registry, "signed/app", "warm")
        sign_image(registry, "signed/app", signed, key, work)
        plain = push_image(registry, "plain/app", "plain")
        bodies = {}
        for name, image in (("without verification", f"localhost:5005/plain/app@{plain}"),
                            ("with verification", f"localhost:5005/signed/app@{signed}")):
            bodies[name] = os.path.join(work, name.replace(" ", "-") + ".json")
            with open(bodies[name], "w") as f:
                f.write(review(image))
        warm = {name: [] for name in bodies}
        for _ in range(args.rounds):
            for name, body in bodies.items():
                result = load(args, hook_port, ca, body)
                if result["errors"]:
                    sys.exit(f"{name}: {result['errors']} errors; see {log.name}")
                warm[name].append(result)
                print(f"warm {name}: {result}", flush=True)

        conn = http.client.HTTPSConnection("localhost", hook_port,
                                           context=ssl.create_default_context(cafile=ca))
        cold, cached = [], []
        for i in range(args.images):
            repo = f"signed/cold{i}"
            digest = push_image(registry, repo, f"cold {i}")
            sign_image(registry, repo, digest, key, work)
            body = review(f"localhost:5005/{repo}@{digest}")
            for series in (cold, cached):
                ms, allowed = post_ms(conn, body)
                if not allowed:
                    sys.exit(f"{repo} was not admitted; see {log.name}")
                series.append(ms)
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()

    def med(name, key_):
        return statistics.median(r[key_] for r in warm[name])

    base, verified = "without verification", "with verification"
    ratio = med(verified, "rps") / med(base, "rps")
    lines = [
        "# Webhook with signature verification",
        "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- command: `bench/webhook_signatures.py --rounds {args.rounds} --seconds {args.seconds}"
        f" --images {args.images}`",
        f"- machine: `nproc` = {os.cpu_count()}; server and clients share the cores",
        "- one `berth serve` (registry and webhook); /validate over HTTPS keep-alive, 8 clients"
        " (bench/webhook_load); the same policy for both rows: a verify-signature rule that"
        " matches only the signed image, then an allow rule",
        "",
        "| warm (verdict cached), median of rounds | reviews/s | p99 ms |",
        "|---|---|---|",
        f"| {base} | {med(base, 'rps'):,.0f} | {med(base, 'p99'):.2f} |",
        f"| {verified} | {med(verified, 'rps'):,.0f} | {med(verified, 'p99'):.2f} |",
        f"| with / without | {ratio:.2f}x | {med(verified, 'p99') / med(base, 'p99'):.2f}x |",
        "",
        f"Goal: with verification within 20% of without: **{'met' if ratio >= 0.8 else 'not met'}**"
        f" ({ratio:.2f}x).",
        "",
        f"| one review at a time, {args.images} freshly signed images | median ms | p90 ms |",
        "|---|---|---|",
        f"| first review (signatures read and verified) | {statistics.median(cold):.2f} |"
        f" {sorted(cold)[int(0.9 * len(cold))]:.2f} |",
        f"| second review (verdict cached) | {statistics.median(cached):.2f} |"
        f" {sorted(cached)[int(0.9 * len(cached))]:.2f} |",
        f"| cold cost per image | {statistics.median(cold) - statistics.median(cached):.2f} | |",
        "",
    ]
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
