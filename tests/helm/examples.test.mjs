// examples/manifests and examples/README.md: the walkthrough's objects match the Kubernetes
// schemas, and each Pod gets the decision the walkthrough promises under the policies of
// examples/helm/values-minimal.yaml, which are the chart's rendered policy ConfigMap.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";

import {
  REPO, find, helm, modelFor, parseAllYaml, policyDecision, removeDir, tempDir, writeFiles, parseYaml,
} from "./lib.mjs";

const MANIFESTS = join(REPO, "examples", "manifests");
const MINIMAL = join(REPO, "examples", "helm", "values-minimal.yaml");
const README = readFileSync(join(REPO, "examples", "README.md"), "utf8");

// The walkthrough installs release "berth" into berth-system.
function renderWalkthrough() {
  const r = helm(["template", "berth", join(REPO, "helm", "berth"), "--namespace", "berth-system", "--values", MINIMAL]);
  assert.equal(r.status, 0, r.stderr);
  return parseAllYaml(r.stdout).filter(Boolean);
}

// What each Pod of the walkthrough must get.
const EXPECTED = {
  "pod-redirected.yaml": { decision: "rewrite", rewritten: "localhost:5005/docker.io/library/nginx:1.25" },
  "pod-latest.yaml": { decision: "deny" },
};
// Files that are not Kubernetes API objects, with the reason and a check of their own.
const NOT_KUBERNETES = {
  "kind-cluster.yaml": "a kind cluster config (kind.x-k8s.io), read by the kind CLI, not the API server",
  "docker-hub-mirror-hosts.toml": "a containerd hosts.toml for the nodes",
};

describe("examples/manifests", () => {
  const files = readdirSync(MANIFESTS).sort();

  test("every file is a Kubernetes object valid against its schema, or a listed exception", async () => {
    assert.ok(files.length >= 4);
    for (const file of files) {
      if (NOT_KUBERNETES[file]) continue;
      const docs = parseAllYaml(readFileSync(join(MANIFESTS, file), "utf8")).filter(Boolean);
      assert.ok(docs.length > 0, file);
      for (const o of docs) {
        const Model = await modelFor(o.apiVersion, o.kind);
        assert.ok(Model, `${file}: ${o.apiVersion}/${o.kind} has no Kubernetes schema`);
        assert.doesNotThrow(() => new Model(o).validate(), `${file}`);
      }
    }
  });

  test("the exceptions: kind config enables certs.d, hosts.toml names the node endpoint as mirror", () => {
    const kind = parseYaml(readFileSync(join(MANIFESTS, "kind-cluster.yaml"), "utf8"));
    assert.equal(kind.apiVersion, "kind.x-k8s.io/v1alpha4");
    assert.equal(kind.kind, "Cluster");
    assert.match(kind.containerdConfigPatches.join("\n"), /config_path = "\/etc\/containerd\/certs\.d"/);
    const hosts = readFileSync(join(MANIFESTS, "docker-hub-mirror-hosts.toml"), "utf8");
    const config = parseYaml(find(renderWalkthrough(), "ConfigMap", "berth-config").data["node-proxy.yaml"]);
    assert.match(hosts, /^server = "https:\/\/registry-1\.docker\.io"$/m);
    assert.match(hosts, new RegExp(`^\\[host\\."http://localhost:${config.nodeProxy.listen.split(":")[1]}"\\]$`, "m"));
    assert.match(hosts, /capabilities = \["pull", "resolve"\]/);
    for (const file of Object.keys(NOT_KUBERNETES)) assert.ok(files.includes(file), `${file} exists`);
  });

  test("each Pod gets the decision the walkthrough shows, in a namespace the webhooks see", () => {
    const objects = renderWalkthrough();
    const excluded = find(objects, "ValidatingWebhookConfiguration").webhooks[0].namespaceSelector
      .matchExpressions.find((e) => e.key === "kubernetes.io/metadata.name").values;
    const dir = tempDir();
    try {
      writeFiles(dir, find(objects, "ConfigMap", "berth-policies").data);
      for (const [file, want] of Object.entries(EXPECTED)) {
        const pod = parseAllYaml(readFileSync(join(MANIFESTS, file), "utf8"))[0];
        const ns = pod.metadata.namespace;
        assert.ok(!excluded.includes(ns), `${file}: namespace ${ns} is seen by the webhooks`);
        for (const c of pod.spec.containers) {
          const d = policyDecision(dir, ns, c.image);
          assert.equal(d.decision, want.decision, `${file}: ${c.image} in ${ns}: ${d.reason}`);
          if (want.rewritten) assert.equal(d.rewritten, want.rewritten);
        }
      }
      // The rewritten image is allowed by the validating webhook (judged as what it mirrors).
      assert.equal(policyDecision(dir, "demo", "localhost:5005/docker.io/library/nginx:1.25").decision, "allow");
      assert.equal(policyDecision(dir, "dev-alice", "nginx").decision, "rewrite");
    } finally {
      removeDir(dir);
    }
  });
});

describe("examples/README.md", () => {
  test("mentions every example file and uses the names the chart renders", () => {
    for (const file of readdirSync(MANIFESTS)) assert.ok(README.includes(`manifests/${file}`), `README mentions ${file}`);
    for (const file of readdirSync(join(REPO, "examples", "helm"))) assert.ok(README.includes(`helm/${file}`), `README mentions ${file}`);
    const objects = renderWalkthrough();
    for (const [kind, name] of [["StatefulSet", "berth-registry"], ["Deployment", "berth-webhook"], ["Service", "berth-registry"], ["DaemonSet", "berth-node-proxy"]]) {
      assert.ok(find(objects, kind, name), `${kind}/${name}`);
      assert.ok(README.includes(name), `README uses ${name}`);
    }
    const webhookName = find(objects, "ValidatingWebhookConfiguration").webhooks[0].name;
    assert.ok(README.includes(`"${webhookName}" denied the request`));
  });
});
