#!/usr/bin/env python3
"""The validating webhook with its supply-chain gates on (verify-signature, check-vulnerabilities),
side by side with the same webhook judging an image no gate matches, in one `berth serve` and
one run.

  bench/webhook_gates.py --berth build/berth --webhook-load build/bench/webhook_load

Images, their cosign keyed signatures (made with the openssl CLI, in cosign's format) and their
Trivy reports (attached as OCI 1.1 referrers, as `oras attach` does) are pushed into the
server's own registry. Warm: bench/webhook_load posts one review for a signed image, one for a
scanned image (verdicts cached) and one for an image under an allow rule, in turn, for
--seconds each, --rounds times; medians. Cold: for each gate, a review for each of --images
fresh images, one at a time (nothing cached), against a second review of the same image
(cached). Writes bench/GATES.md.
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

TRIVY = "application/vnd.aquasecurity.trivy.report+json"
WITHOUT = "no gate (allow rule)"
WITH_SIGNATURES = "verify-signature"
WITH_REPORTS = "check-vulnerabilities"


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


def image_manifest(registry, repo, seed):
    config = registry.blob(repo, json.dumps({"architecture": "amd64", "os": "linux",
                                             "seed": seed}).encode())
    layer = registry.blob(repo, f"layer of {seed}".encode())
    return {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": descriptor("application/vnd.oci.image.config.v1+json", config),
            "layers": [descriptor("application/vnd.oci.image.layer.v1.tar", layer)]}


def push_image(registry, repo, seed):
    return registry.manifest(repo, "v1", image_manifest(registry, repo, seed))


def push_scanned_image(registry, repo, seed):
    """An image with a clean Trivy report of now attached as a referrer; returns its digest."""
    manifest = image_manifest(registry, repo, seed)
    digest = registry.manifest(repo, "v1", manifest)
    report = json.dumps({
        "SchemaVersion": 2, "CreatedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "ArtifactName": repo, "ArtifactType": "container_image",
        "Results": [{"Target": f"{repo} (debian 12.5)", "Vulnerabilities": [
            {"VulnerabilityID": "CVE-2024-0002", "PkgName": "libssl3",
             "InstalledVersion": "3.0.11", "FixedVersion": "3.0.13", "Severity": "MEDIUM"}]}],
    }).encode()
    subject = {"mediaType": OCI_MANIFEST, "digest": digest,
               "size": len(json.dumps(manifest).encode())}
    attached = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": TRIVY,
                "config": descriptor("application/vnd.oci.empty.v1+json",
                                     registry.blob(repo, b"{}")),
                "layers": [descriptor(TRIVY, registry.blob(repo, report))],
                "subject": subject}
    data = json.dumps(attached).encode()
    registry.manifest(repo, "sha256:" + hashlib.sha256(data).hexdigest(), attached)
    return digest


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
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "GATES.md"))
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="berth-gatebench-")
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
                "    - {name: scanned, match: {images: ['localhost:5005/scanned/.*']},"
                " action: check-vulnerabilities, maxSeverity: high, maxReportAge: 7d}\n"
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

    def signed_image(repo, seed):
        digest = push_image(registry, repo, seed)
        sign_image(registry, repo, digest, key, work)
        return digest

    gates = {  # row name: (repository prefix, how an image is made)
        WITH_SIGNATURES: ("signed", signed_image),
        WITH_REPORTS: ("scanned", lambda repo, seed: push_scanned_image(registry, repo, seed)),
    }
    try:
        registry = Registry(reg_port)
        for _ in range(400):
            try:
                if registry.request("GET", "/v2/")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        images = {WITHOUT: f"localhost:5005/plain/app@{push_image(registry, 'plain/app', 'plain')}"}
        for name, (prefix, make) in gates.items():
            images[name] = f"localhost:5005/{prefix}/app@{make(prefix + '/app', 'warm')}"
        bodies = {}
        for name, image in images.items():
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
        cold = {name: ([], []) for name in gates}  # first review, second review
        for i in range(args.images):
            for name, (prefix, make) in gates.items():
                repo = f"{prefix}/cold{i}"
                body = review(f"localhost:5005/{repo}@{make(repo, f'cold {i}')}")
                for series in cold[name]:
                    ms, allowed = post_ms(conn, body)
                    if not allowed:
                        sys.exit(f"{repo} was not admitted; see {log.name}")
                    series.append(ms)
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
    report(args, warm, cold)


def report(args, warm, cold):
    def med(name, key_):
        return statistics.median(r[key_] for r in warm[name])

    def p90(values):
        return sorted(values)[int(0.9 * len(values))]

    lines = [
        "# Webhook with supply-chain gates",
        "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- command: `bench/webhook_gates.py --rounds {args.rounds} --seconds {args.seconds}"
        f" --images {args.images}`",
        f"- machine: `nproc` = {os.cpu_count()}; server and clients share the cores",
        "- one `berth serve` (registry and webhook); /validate over HTTPS keep-alive, 8 clients"
        " (bench/webhook_load); one policy for every row: a verify-signature rule that matches"
        " only the signed images, a check-vulnerabilities rule (maxSeverity high, maxReportAge"
        " 7d) that matches only the scanned images (each with a Trivy report of one medium"
        " finding attached as a referrer), then an allow rule",
        "",
        "| warm (verdict cached), median of rounds | reviews/s | p99 ms | reviews/s vs without |",
        "|---|---|---|---|",
    ]
    ratios = {}
    for name in warm:
        ratios[name] = med(name, "rps") / med(WITHOUT, "rps")
        lines.append(f"| {name} | {med(name, 'rps'):,.0f} | {med(name, 'p99'):.2f} |"
                     f" {ratios[name]:.2f}x |")
    met = all(r >= 0.8 for r in ratios.values())
    lines += [
        "",
        f"Goal: each gate within 20% of no gate: **{'met' if met else 'not met'}**.",
        "",
        f"| one review at a time, {args.images} fresh images per gate | first review median ms"
        " (p90) | second review, verdict cached, median ms (p90) | cold cost per image ms |",
        "|---|---|---|---|",
    ]
    what = {WITH_SIGNATURES: "`.sig` manifest and payload read, signature verified",
            WITH_REPORTS: "referrers listed, report manifest and blob read and assessed"}
    for name, (first, second) in cold.items():
        lines.append(f"| {name}: {what[name]} | {statistics.median(first):.2f}"
                     f" ({p90(first):.2f}) | {statistics.median(second):.2f} ({p90(second):.2f}) |"
                     f" {statistics.median(first) - statistics.median(second):.2f} |")
    lines.append("")
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
