// Helpers of the chart tests: helm, YAML, the Kubernetes OpenAPI models and the berth binary.
// Environment: HELM_TOOLS (from setup.sh), BERTH (the berth binary), BERTH_SOURCE_DIR.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { startFakeApiServer, writeKubeconfig } from "./fake-apiserver.mjs";

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through ctest or tests/helm/run.sh)`);
  return value;
}

export const TOOLS = need("HELM_TOOLS");
export const BERTH = need("BERTH");
export const REPO = process.env.BERTH_SOURCE_DIR ?? join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CHART = join(REPO, "helm", "berth");
export const HELM = join(TOOLS, "bin", "helm");
export const EXAMPLE_VALUES_DIR = join(REPO, "examples", "helm");
export const RELEASE = "rel";
export const NAMESPACE = "berth-system";

const YAML = await import(pathToFileURL(join(TOOLS, "node_modules", "yaml", "dist", "index.js")).href);
export const parseYaml = (text) => YAML.parse(text);
export const parseAllYaml = (text) =>
  YAML.parseAllDocuments(text).map((doc) => {
    if (doc.errors.length) throw new Error(`invalid YAML: ${doc.errors[0].message}`);
    return doc.toJS();
  });

export function exampleValuesFiles() {
  return readdirSync(EXAMPLE_VALUES_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => join(EXAMPLE_VALUES_DIR, f));
}

function helmEnv() {
  return { ...process.env, KUBECONFIG: "/dev/null", HELM_CACHE_HOME: join(tmpdir(), "berth-helm-cache"),
           HELM_CONFIG_HOME: join(tmpdir(), "berth-helm-config"), HELM_DATA_HOME: join(tmpdir(), "berth-helm-data") };
}

// Runs helm; returns {status, stdout, stderr}. Helm must never reach a cluster here.
export function helm(args) {
  const result = spawnSync(HELM, args, { encoding: "utf8", env: helmEnv() });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function templateArgs({ files = [], set = [], setString = [], showOnly = [] }) {
  const args = ["template", RELEASE, CHART, "--namespace", NAMESPACE];
  for (const f of files) args.push("--values", f);
  for (const s of set) args.push("--set", s);
  for (const s of setString) args.push("--set-string", s);
  for (const s of showOnly) args.push("--show-only", s);
  return args;
}

// helm template with values files and --set flags; returns the parsed, non-empty objects.
export function render(options = {}) {
  const args = templateArgs(options);
  const r = helm(args);
  if (r.status !== 0) throw new Error(`helm ${args.join(" ")} failed:\n${r.stderr}`);
  return parseAllYaml(r.stdout).filter((o) => o !== null && o !== undefined);
}

// As render(), but as `helm upgrade` renders: `--dry-run=server` against a fake API server
// holding `clusterObjects`, so the chart's lookup finds them. Resolves with {objects, requests}
// (the API requests helm made). Asynchronous: the server runs in this process.
export async function renderAgainstCluster(clusterObjects, options = {}) {
  const args = [...templateArgs(options), "--dry-run=server"];
  const dir = tempDir("berth-helm-cluster-");
  const server = await startFakeApiServer(clusterObjects);
  try {
    const env = { KUBECONFIG: writeKubeconfig(dir, server.url), KUBECACHEDIR: join(dir, "cache") };
    const r = await new Promise((resolve, reject) => {
      const child = spawn(HELM, args, { env: { ...helmEnv(), ...env } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
    if (r.status !== 0) throw new Error(`helm ${args.join(" ")} failed:\n${r.stderr}`);
    return { objects: parseAllYaml(r.stdout).filter((o) => o !== null && o !== undefined), requests: server.requests };
  } finally {
    await server.close();
    removeDir(dir);
  }
}

export const find = (objects, kind, name) =>
  objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
export const findAll = (objects, kind) => objects.filter((o) => o.kind === kind);

// The Kubernetes OpenAPI model for apiVersion/kind, or null when kubernetes-models has none.
export async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const path = group === null ? join(version, `${kind}.js`) : join(group, version, `${kind}.js`);
  const file = join(TOOLS, "node_modules", "kubernetes-models", path);
  try {
    const mod = await import(pathToFileURL(file).href);
    return mod[kind];
  } catch (e) {
    if (e.code === "ERR_MODULE_NOT_FOUND") return null;
    throw e;
  }
}

// Every Pod spec of the rendered objects, with where it came from.
export function podSpecs(objects) {
  const specs = [];
  for (const o of objects) {
    if (o.kind === "Pod") specs.push({ owner: `Pod/${o.metadata.name}`, spec: o.spec, meta: o.metadata });
    if (["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind)) {
      specs.push({ owner: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec, meta: o.spec.template.metadata });
    }
  }
  return specs;
}

export function tempDir(prefix = "berth-helm-") {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeFiles(dir, data) {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(data ?? {})) writeFileSync(join(dir, name), text);
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

export function berth(args) {
  const r = spawnSync(BERTH, args, { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function policyDecision(policyDir, namespace, image) {
  const out = execFileSync(BERTH, ["policy", "test", "--policy", policyDir, "--namespace", namespace,
                                   "--image", image, "--output", "json"], { encoding: "utf8" });
  return JSON.parse(out.trim().split("\n")[0]);
}

// Starts `berth serve` and resolves with {child, ports} once the ready file appears.
export async function startBerth(args, dir) {
  const readyFile = join(dir, "ready.json");
  const child = spawn(BERTH, ["serve", ...args, "--ready-file", readyFile], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const { existsSync, readFileSync } = await import("node:fs");
  for (let i = 0; i < 300; i++) {
    if (existsSync(readyFile)) return { child, ports: JSON.parse(readFileSync(readyFile, "utf8")) };
    if (child.exitCode !== null) throw new Error(`berth serve exited ${child.exitCode}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGTERM");
  throw new Error(`berth serve did not become ready: ${stderr}`);
}

export async function stopBerth(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

// The plain text of every key of a rendered Secret.
export function secretData(secret) {
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
}

// A bcrypt htpasswd line ("ci-bot", password "fixture-password") for renders whose auth Secret
// is an existing one, so there is no rendered htpasswd to use.
const FIXTURE_HTPASSWD = "ci-bot:$2y$05$abcdefghijklmnopqrstuu5a8OAPPjPnQ3WcbpU6Vqk1yhKEM9hIC\n";

// Writes the rendered configs of release `fullname` under `dir`, with every in-Pod path
// (/etc/berth/..., /var/lib/berth) moved there, so the real binary can load them: the policies,
// the webhook certificate, and the files of the registry auth Secret the Pods mount (the
// rendered one, or a fixture when the Secret is an existing one). Returns {key: file}.
export function materialise(objects, dir, fullname) {
  const config = find(objects, "ConfigMap", `${fullname}-config`).data;
  writeFiles(join(dir, "policies"), find(objects, "ConfigMap", `${fullname}-policies`).data);
  const tls = find(objects, "Secret", `${fullname}-webhook-tls`);
  writeFiles(join(dir, "tls"), tls ? secretData(tls) : { "tls.crt": "", "tls.key": "" });
  const auth = find(objects, "Secret", `${fullname}-registry-auth`);
  const plain = auth ? secretData(auth) : {};
  writeFiles(join(dir, "auth"), { htpasswd: plain.htpasswd ?? FIXTURE_HTPASSWD });
  // The node endpoint and the webhooks mount their password at the same in-Pod path.
  writeFiles(join(dir, "registry-auth"), { password: plain["node-password"] ?? "fixture-password" });
  const out = {};
  for (const [key, text] of Object.entries(config)) {
    const local = text.replaceAll("/etc/berth/", `${dir}/`).replaceAll("/var/lib/berth", join(dir, `storage-${key}`));
    out[key] = join(dir, key);
    writeFileSync(out[key], local);
  }
  return out;
}
