// A Kubernetes API server that answers just enough for `helm template --dry-run=server`: the
// version, legacy discovery of the kinds the chart renders, and GETs of the objects it holds
// (everything else is 404 NotFound). It lets the chart's `lookup` see an existing Secret, which
// is what a `helm upgrade` sees, without a cluster. Listens on 127.0.0.1, port picked by the OS.
import { createServer } from "node:http";
import { join } from "node:path";
import { writeFileSync } from "node:fs";

// group/version -> [kind, plural, namespaced]
const RESOURCES = {
  v1: [["ConfigMap", "configmaps", true], ["Secret", "secrets", true], ["Service", "services", true],
       ["ServiceAccount", "serviceaccounts", true], ["Pod", "pods", true], ["Namespace", "namespaces", false]],
  "apps/v1": [["Deployment", "deployments", true], ["StatefulSet", "statefulsets", true], ["DaemonSet", "daemonsets", true]],
  "policy/v1": [["PodDisruptionBudget", "poddisruptionbudgets", true]],
  "networking.k8s.io/v1": [["NetworkPolicy", "networkpolicies", true], ["Ingress", "ingresses", true]],
  "admissionregistration.k8s.io/v1": [["MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false],
                                      ["ValidatingWebhookConfiguration", "validatingwebhookconfigurations", false]],
};

function resourceList(groupVersion) {
  return {
    kind: "APIResourceList", apiVersion: "v1", groupVersion,
    resources: RESOURCES[groupVersion].map(([kind, name, namespaced]) => ({
      name, singularName: kind.toLowerCase(), namespaced, kind,
      verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    })),
  };
}

function groupList() {
  const groups = Object.keys(RESOURCES).filter((gv) => gv.includes("/")).map((gv) => {
    const [name, version] = gv.split("/");
    const v = { groupVersion: gv, version };
    return { name, versions: [v], preferredVersion: v };
  });
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

function objectPath(o) {
  const entry = RESOURCES[o.apiVersion]?.find(([k]) => k === o.kind);
  if (!entry) throw new Error(`fake API server: no resource for ${o.apiVersion} ${o.kind}`);
  const [, plural, namespaced] = entry;
  const base = o.apiVersion.includes("/") ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  return namespaced ? `${base}/namespaces/${o.metadata.namespace}/${plural}/${o.metadata.name}` : `${base}/${plural}/${o.metadata.name}`;
}

// Starts the server holding `objects`; resolves with {url, requests, close()}. `requests` lists
// every "METHOD path" it answered, so a test can tell that helm really asked.
export async function startFakeApiServer(objects) {
  const byPath = new Map(objects.map((o) => [objectPath(o), o]));
  const requests = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    requests.push(`${req.method} ${path}`);
    const send = (status, body) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "GET") return send(405, { kind: "Status", apiVersion: "v1", status: "Failure", code: 405 });
    if (path === "/version") return send(200, { major: "1", minor: "29", gitVersion: "v1.29.0", platform: "linux/amd64" });
    if (path === "/api") return send(200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] });
    if (path === "/apis") return send(200, groupList());
    const gv = path.startsWith("/api/") ? path.slice(5) : path.slice(6);
    if (RESOURCES[gv]) return send(200, resourceList(gv));
    if (byPath.has(path)) return send(200, byPath.get(path));
    return send(404, { kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404,
                       message: `${path} not found` });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}

// A kubeconfig for `url` in `dir`; returns its path.
export function writeKubeconfig(dir, url) {
  const file = join(dir, "kubeconfig");
  writeFileSync(file, JSON.stringify({
    apiVersion: "v1", kind: "Config", "current-context": "fake",
    clusters: [{ name: "fake", cluster: { server: url } }],
    users: [{ name: "fake", user: { token: "fake" } }],
    contexts: [{ name: "fake", context: { cluster: "fake", user: "fake", namespace: "default" } }],
  }));
  return file;
}
