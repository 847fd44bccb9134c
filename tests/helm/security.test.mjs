// The chart is secure by default (issue #15, item 11): registry auth with a generated htpasswd
// Secret and the chart's own accounts, pulls anonymous only when the values say so, each Pod
// given only its own password, and NetworkPolicies in front of the registry. The rendered
// registry config runs in a real `berth serve`, attacked with each account's credentials.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { describe, test } from "node:test";

import {
  CHART, NAMESPACE, RELEASE, exampleValuesFiles, find, findAll, helm, materialise, parseYaml,
  podSpecs, removeDir, render, renderAgainstCluster, secretData, startBerth, stopBerth, tempDir,
} from "./lib.mjs";

const FULLNAME = `${RELEASE}-berth`;
const AUTH_SECRET = `${FULLNAME}-registry-auth`;
const VALUES_CASES = [
  { name: "default values", files: [] },
  ...exampleValuesFiles().map((f) => ({ name: basename(f), files: [f] })),
];
const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

const configOf = (objects, key) => parseYaml(find(objects, "ConfigMap", `${FULLNAME}-config`).data[key]);
const podOf = (objects, kind) => podSpecs(objects).find(({ owner }) => owner.startsWith(`${kind}/`));

function htpasswdEntries(text) {
  assert.ok(text.endsWith("\n"), "the htpasswd file ends with a newline");
  return text.trimEnd().split("\n").map((line) => {
    const colon = line.indexOf(":");
    return { user: line.slice(0, colon), hash: line.slice(colon + 1) };
  });
}

// The secret volumes of a Pod that come from `secretName`, as {volume, keys, mountPath}.
function authMounts({ spec }, secretName) {
  return spec.volumes.filter((v) => v.secret?.secretName === secretName).map((v) => ({
    volume: v,
    keys: v.secret.items?.map((i) => i.key),
    mountPath: spec.containers[0].volumeMounts.find((m) => m.name === v.name)?.mountPath,
  }));
}

const grants = (rule, action) => rule.actions.includes(action) || rule.actions.includes("*");

const basic = (user, password) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

async function call(base, method, path, { auth, body, headers = {} } = {}) {
  const res = await fetch(`${base}${path}`, {
    method, body, headers: { ...headers, ...(auth ? { Authorization: auth } : {}) }, redirect: "manual",
  });
  const text = await res.text();
  let code;
  try {
    code = JSON.parse(text).errors?.[0]?.code;
  } catch {
    code = undefined;
  }
  return { status: res.status, code, text, headers: res.headers };
}

// Runs the rendered registry.yaml of `objects` in berth serve on 127.0.0.1 and calls
// fn(baseUrl, plain passwords of the auth Secret).
async function withRegistry(objects, fn) {
  const dir = tempDir();
  let child;
  try {
    const files = materialise(objects, dir, FULLNAME);
    const text = readFileSync(files["registry.yaml"], "utf8").replace("0.0.0.0:5000", "127.0.0.1:0");
    writeFileSync(files["registry.yaml"], text);
    const started = await startBerth(["--config", files["registry.yaml"]], dir);
    child = started.child;
    const passwords = secretData(find(objects, "Secret", AUTH_SECRET));
    await fn(`http://127.0.0.1:${started.ports.registryPort}`, passwords);
  } finally {
    if (child) await stopBerth(child);
    removeDir(dir);
  }
}

// A monolithic blob upload: POST ?digest= with the content.
const push = (base, auth, content) => {
  const digest = `sha256:${createHash("sha256").update(content).digest("hex")}`;
  return call(base, "POST", `/v2/team/app/blobs/uploads/?digest=${digest}`, {
    auth, body: content, headers: { "Content-Type": "application/octet-stream" },
  }).then((r) => ({ ...r, digest }));
};

describe("registry auth is on by default", () => {
  test("a generated Secret with three bcrypt accounts and their plain passwords", () => {
    const secret = find(render(), "Secret", AUTH_SECRET);
    assert.ok(secret, `Secret ${AUTH_SECRET} is rendered`);
    assert.equal(secret.type, "Opaque");
    const data = secretData(secret);
    assert.deepEqual(Object.keys(data).sort(), ["admin-password", "htpasswd", "node-password", "webhook-password"]);
    const entries = htpasswdEntries(data.htpasswd);
    assert.deepEqual(entries.map((e) => e.user), ["admin", "berth-node", "berth-webhook"]);
    for (const e of entries) assert.match(e.hash, BCRYPT, `${e.user}: a bcrypt hash`);
    const passwords = [data["admin-password"], data["node-password"], data["webhook-password"]];
    for (const p of passwords) assert.match(p, /^[A-Za-z0-9]{40}$/, "40 random alphanumerics");
    assert.equal(new Set(passwords).size, 3, "one password per account");
    // Random per install: a second render (no Secret to look up) has other passwords.
    assert.notEqual(secretData(find(render(), "Secret", AUTH_SECRET))["admin-password"], data["admin-password"]);
  });

  test("the registry config: htpasswd on, anonymousPull false, admin may do all, node and webhook only pull", () => {
    const auth = configOf(render(), "registry.yaml").registry.auth;
    assert.equal(auth.htpasswd, "/etc/berth/auth/htpasswd");
    assert.equal(auth.anonymousPull, false);
    assert.deepEqual(auth.access, [
      { account: "admin", repository: ".*", actions: ["*"] },
      { account: "berth-node", repository: ".*", actions: ["pull"] },
      { account: "berth-webhook", repository: ".*", actions: ["pull"] },
    ]);
  });

  test("the node endpoint and the webhooks authenticate with their own accounts", () => {
    const objects = render();
    const node = configOf(objects, "node-proxy.yaml").nodeProxy.registryAuth;
    const webhook = configOf(objects, "webhook.yaml").webhook.registryAuth;
    assert.deepEqual(node, { username: "berth-node", passwordFile: "/etc/berth/registry-auth/password" });
    assert.deepEqual(webhook, { username: "berth-webhook", passwordFile: "/etc/berth/registry-auth/password" });
  });

  test("each Pod mounts only its own key of the Secret; no Pod gets the admin password", () => {
    const objects = render();
    const expected = {
      StatefulSet: { keys: ["htpasswd"], mountPath: "/etc/berth/auth" },
      DaemonSet: { keys: ["node-password"], mountPath: "/etc/berth/registry-auth" },
      Deployment: { keys: ["webhook-password"], mountPath: "/etc/berth/registry-auth" },
    };
    for (const pod of podSpecs(objects)) {
      const mounts = authMounts(pod, AUTH_SECRET);
      const kind = pod.owner.split("/")[0];
      const want = expected[kind];
      if (!want) {
        assert.deepEqual(mounts, [], `${pod.owner} mounts nothing of the auth Secret`);
        continue;
      }
      assert.equal(mounts.length, 1, `${pod.owner}: one volume of the auth Secret`);
      assert.deepEqual(mounts[0].keys, want.keys, `${pod.owner}: only ${want.keys} (items, never the whole Secret)`);
      assert.equal(mounts[0].mountPath, want.mountPath, pod.owner);
      assert.equal(mounts[0].volume.secret.defaultMode, 0o440, `${pod.owner}: not world-readable`);
      const envFromSecret = pod.spec.containers.flatMap((c) => [...(c.env ?? []), ...(c.envFrom ?? [])])
        .filter((e) => JSON.stringify(e).includes(AUTH_SECRET));
      assert.deepEqual(envFromSecret, [], `${pod.owner}: no password in the environment`);
    }
    assert.equal(podSpecs(objects).filter((p) => authMounts(p, AUTH_SECRET).length).length, 3);
  });

  test("registry.auth.existingSecret: no Secret rendered, the named one mounted key by key", () => {
    const objects = render({ set: ["registry.auth.existingSecret=team-auth", "registry.auth.secretKeys.nodePassword=node",
                                    "registry.auth.accounts.node=kubelet-pull"] });
    assert.equal(find(objects, "Secret", AUTH_SECRET), undefined);
    assert.deepEqual(findAll(objects, "Secret").map((s) => s.metadata.name), [`${FULLNAME}-webhook-tls`]);
    assert.deepEqual(authMounts(podOf(objects, "StatefulSet"), "team-auth")[0].keys, ["htpasswd"]);
    assert.deepEqual(authMounts(podOf(objects, "DaemonSet"), "team-auth")[0].keys, ["node"]);
    assert.deepEqual(authMounts(podOf(objects, "Deployment"), "team-auth")[0].keys, ["webhook-password"]);
    assert.equal(configOf(objects, "node-proxy.yaml").nodeProxy.registryAuth.username, "kubelet-pull");
    const rules = configOf(objects, "registry.yaml").registry.auth.access;
    assert.deepEqual(rules.find((r) => r.account === "kubelet-pull").actions, ["pull"]);
  });

  test("anonymousPull: true is rendered only when the values say so", () => {
    assert.equal(configOf(render({ set: ["registry.auth.anonymousPull=true"] }), "registry.yaml").registry.auth.anonymousPull, true);
    for (const c of VALUES_CASES) {
      assert.equal(configOf(render({ files: c.files }), "registry.yaml").registry.auth.anonymousPull, false, c.name);
    }
  });

  test("the values' access rules follow the chart's three", () => {
    const rules = configOf(render({ set: ["registry.auth.access[0].account=ci",
      "registry.auth.access[0].repository=team-a/.*", "registry.auth.access[0].actions={pull,push}"] }),
    "registry.yaml").registry.auth.access;
    assert.deepEqual(rules.map((r) => r.account), ["admin", "berth-node", "berth-webhook", "ci"]);
    assert.deepEqual(rules[3], { account: "ci", repository: "team-a/.*", actions: ["pull", "push"] });
  });

  test("auth off (registry.auth.enabled=false): no Secret, no accounts, no registryAuth", () => {
    const objects = render({ set: ["registry.auth.enabled=false"] });
    assert.equal(find(objects, "Secret", AUTH_SECRET), undefined);
    assert.equal(configOf(objects, "registry.yaml").registry.auth, undefined);
    assert.equal(configOf(objects, "node-proxy.yaml").nodeProxy.registryAuth, undefined);
    assert.equal(configOf(objects, "webhook.yaml").webhook.registryAuth, undefined);
    for (const pod of podSpecs(objects)) assert.deepEqual(authMounts(pod, AUTH_SECRET), [], pod.owner);
  });

});

// An object as a release's install left it in the cluster (Helm's ownership metadata).
function asInstalled(o) {
  return { ...o, metadata: { ...o.metadata, annotations: { ...(o.metadata.annotations ?? {}),
    "meta.helm.sh/release-name": RELEASE, "meta.helm.sh/release-namespace": NAMESPACE } } };
}
const secretOf = (data, name = AUTH_SECRET) => asInstalled({ apiVersion: "v1", kind: "Secret", type: "Opaque",
  metadata: { name, namespace: NAMESPACE }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])) });

describe("upgrades keep the generated Secret (lookup, against a fake API server)", () => {
  test("install, then upgrade: the same passwords, htpasswd and webhook certificate", async () => {
    const installed = render();
    const kept = findAll(installed, "Secret").map(asInstalled);
    const { objects, requests } = await renderAgainstCluster(kept);
    assert.ok(requests.includes(`GET /api/v1/namespaces/${NAMESPACE}/secrets/${AUTH_SECRET}`), "helm looked the Secret up");
    assert.deepEqual(find(objects, "Secret", AUTH_SECRET).data, find(installed, "Secret", AUTH_SECRET).data);
    assert.deepEqual(find(objects, "Secret", `${FULLNAME}-webhook-tls`).data,
                     find(installed, "Secret", `${FULLNAME}-webhook-tls`).data);
    // ... while without the Secret in the cluster the same command makes new passwords.
    const fresh = (await renderAgainstCluster([])).objects;
    assert.notEqual(secretData(find(fresh, "Secret", AUTH_SECRET))["admin-password"],
                    secretData(find(installed, "Secret", AUTH_SECRET))["admin-password"]);
  });

  test("users added to the generated htpasswd stay", async () => {
    const data = secretData(find(render(), "Secret", AUTH_SECRET));
    data.htpasswd += "ci-bot:$2y$05$abcdefghijklmnopqrstuu5a8OAPPjPnQ3WcbpU6Vqk1yhKEM9hIC\n";
    const { objects } = await renderAgainstCluster([secretOf(data)]);
    assert.deepEqual(secretData(find(objects, "Secret", AUTH_SECRET)), data);
  });

  test("an htpasswd without a line for a chart account is rebuilt from the kept passwords", async () => {
    const data = secretData(find(render(), "Secret", AUTH_SECRET));
    const withoutWebhook = { ...data, htpasswd: data.htpasswd.split("\n").filter((l) => !l.startsWith("berth-webhook:")).join("\n") };
    const { objects } = await renderAgainstCluster([secretOf(withoutWebhook)]);
    const upgraded = secretData(find(objects, "Secret", AUTH_SECRET));
    for (const key of ["admin-password", "node-password", "webhook-password"]) assert.equal(upgraded[key], data[key], key);
    assert.deepEqual(htpasswdEntries(upgraded.htpasswd).map((e) => e.user), ["admin", "berth-node", "berth-webhook"]);
    // The rebuilt hashes are of the kept passwords: the real registry lets each account in.
    await withRegistry(objects, async (base, pw) => {
      for (const [user, key] of [["admin", "admin-password"], ["berth-node", "node-password"], ["berth-webhook", "webhook-password"]]) {
        const r = await call(base, "GET", "/v2/", { auth: basic(user, pw[key]) });
        assert.equal(r.status, 200, `${user}: ${r.text}`);
      }
    });
  });

  test("a missing password is generated, the others are kept", async () => {
    const data = secretData(find(render(), "Secret", AUTH_SECRET));
    const { ["node-password"]: lost, ...partial } = data;
    const upgraded = secretData(find((await renderAgainstCluster([secretOf(partial)])).objects, "Secret", AUTH_SECRET));
    assert.equal(upgraded["admin-password"], data["admin-password"]);
    assert.equal(upgraded["webhook-password"], data["webhook-password"]);
    assert.match(upgraded["node-password"], /^[A-Za-z0-9]{40}$/);
    assert.notEqual(upgraded["node-password"], lost);
    assert.notEqual(upgraded.htpasswd, data.htpasswd, "rebuilt for the new password");
  });

  test("with existingSecret nothing is looked up or rendered", async () => {
    const { objects, requests } = await renderAgainstCluster([], { set: ["registry.auth.existingSecret=team-auth"] });
    assert.equal(find(objects, "Secret", AUTH_SECRET), undefined);
    assert.ok(!requests.some((r) => r.includes("/secrets/team-auth") || r.includes(`/secrets/${AUTH_SECRET}`)), requests.join(", "));
  });
});

describe("attacks on the defaults", () => {
  for (const c of VALUES_CASES) {
    test(`${c.name}: no rule lets anonymous push or delete, auth and the registry NetworkPolicy are on`, () => {
      const objects = render({ files: c.files });
      const auth = configOf(objects, "registry.yaml").registry.auth;
      assert.ok(auth?.htpasswd, "registry auth is on");
      for (const rule of auth.access) {
        if (rule.account !== "anonymous") continue;
        for (const action of ["push", "delete"]) assert.ok(!grants(rule, action), `anonymous ${action}: ${JSON.stringify(rule)}`);
      }
      for (const account of ["berth-node", "berth-webhook"]) {
        for (const rule of auth.access.filter((r) => r.account === account)) {
          assert.deepEqual(rule.actions, ["pull"], `${account} only pulls`);
        }
      }
      const policy = find(objects, "NetworkPolicy", `${FULLNAME}-registry`);
      assert.ok(policy, "the registry NetworkPolicy is rendered");
      for (const rule of policy.spec.ingress) {
        assert.ok(rule.from?.length, "every ingress rule names its sources");
        for (const peer of rule.from) assert.notDeepEqual(peer, {}, "no empty peer (it admits everything)");
      }
    });
  }

  const refusals = [
    { set: ["registry.auth.access[0].account=anonymous", "registry.auth.access[0].repository=.*", "registry.auth.access[0].actions={push}"],
      message: /registry\.auth\.access\[0\]: anonymous may only pull/ },
    { set: ["registry.auth.access[0].account=anonymous", "registry.auth.access[0].repository=.*", "registry.auth.access[0].actions={*}"],
      message: /registry\.auth\.access\[0\]: anonymous may only pull/ },
    { set: ["registry.auth.access[0].account=x", "registry.auth.access[0].repository=.*", "registry.auth.access[0].actions={pull}",
            "registry.auth.access[1].account=anonymous", "registry.auth.access[1].repository=a/.*", "registry.auth.access[1].actions={delete}"],
      message: /registry\.auth\.access\[1\]: anonymous may only pull/ },
    // An account named like the access rules' wildcards would hand its rules to everyone.
    { set: ["registry.auth.accounts.node=anonymous"], message: /registry\.auth\.accounts\.node: Must not validate the schema/ },
    { set: ["registry.auth.accounts.admin=*"], message: /registry\.auth\.accounts\.admin: Must not validate the schema/ },
    { set: ["registry.auth.accounts.webhook=a:b"], message: /registry\.auth\.accounts\.webhook: Does not match pattern/ },
    { set: ["registry.auth.accounts.node=admin"], message: /registry\.auth\.accounts must be three different user names/ },
    { set: ["registry.auth.secretKeys.nodePassword=admin-password"], message: /registry\.auth\.secretKeys must be four different keys/ },
    { set: ["networkPolicy.nodeCidrs={10.0.0.1}"], message: /networkPolicy\.nodeCidrs\.0: Does not match pattern/ },
    { set: ["networkPolicy.allowNamespaces={Bad_Name}"], message: /networkPolicy\.allowNamespaces\.0: Does not match pattern/ },
  ];
  for (const c of refusals) {
    test(`refused: ${c.set.join(" ")}`, () => {
      const args = ["template", RELEASE, CHART, "--namespace", NAMESPACE];
      for (const s of c.set) args.push("--set", s);
      const r = helm(args);
      assert.notEqual(r.status, 0, "helm template must fail");
      assert.match(r.stderr, c.message);
    });
  }
  test("anonymous may still be granted pull on some repositories", () => {
    const rules = configOf(render({ set: ["registry.auth.access[0].account=anonymous", "registry.auth.access[0].repository=public/.*",
      "registry.auth.access[0].actions={pull}"] }), "registry.yaml").registry.auth.access;
    assert.deepEqual(rules.at(-1), { account: "anonymous", repository: "public/.*", actions: ["pull"] });
  });
});

describe("the rendered registry config in a real berth serve", () => {
  test("defaults: anonymous gets 401, node and webhook pull but cannot push or delete, admin can", async () => {
    await withRegistry(render(), async (base, pw) => {
      const admin = basic("admin", pw["admin-password"]);
      const node = basic("berth-node", pw["node-password"]);
      const webhook = basic("berth-webhook", pw["webhook-password"]);

      // Anonymous: nothing, not even a pull.
      const anonymousPush = await push(base, undefined, "anonymous content");
      assert.equal(anonymousPush.status, 401, anonymousPush.text);
      assert.equal(anonymousPush.code, "UNAUTHORIZED");
      assert.match(anonymousPush.headers.get("www-authenticate") ?? "", /realm/);

      // A wrong password for the admin is refused like no password.
      const guessed = await push(base, basic("admin", "admin"), "guessed content");
      assert.equal(guessed.status, 401, guessed.text);
      assert.equal(guessed.code, "UNAUTHORIZED");

      // The pull-only accounts may not push.
      for (const [who, auth] of [["berth-node", node], ["berth-webhook", webhook]]) {
        const r = await push(base, auth, `${who} content`);
        assert.equal(r.status, 403, `${who}: ${r.text}`);
        assert.equal(r.code, "DENIED", who);
        assert.match(r.text, new RegExp(`user '${who}' may not`));
      }

      // The admin pushes; everyone with an account pulls; anonymous does not.
      const pushed = await push(base, admin, "admin content");
      assert.equal(pushed.status, 201, pushed.text);
      const blob = `/v2/team/app/blobs/${pushed.digest}`;
      for (const [who, auth] of [["admin", admin], ["berth-node", node], ["berth-webhook", webhook]]) {
        const r = await call(base, "GET", blob, { auth });
        assert.equal(r.status, 200, `${who} pulls: ${r.text}`);
        assert.equal(r.text, "admin content");
      }
      const anonymousPull = await call(base, "GET", blob);
      assert.equal(anonymousPull.status, 401, anonymousPull.text);
      assert.equal(anonymousPull.code, "UNAUTHORIZED");

      // Deletes: refused to the pull-only accounts, so the blob is still there.
      for (const [who, auth] of [["berth-node", node], ["berth-webhook", webhook]]) {
        const r = await call(base, "DELETE", blob, { auth });
        assert.equal(r.status, 403, `${who} deletes: ${r.text}`);
        assert.equal(r.code, "DENIED");
      }
      assert.equal((await call(base, "GET", blob, { auth: node })).status, 200, "the blob survived");
    });
  });

  test("anonymousPull: true lets anonymous pull, never push", async () => {
    await withRegistry(render({ set: ["registry.auth.anonymousPull=true"] }), async (base, pw) => {
      const pushed = await push(base, basic("admin", pw["admin-password"]), "public content");
      assert.equal(pushed.status, 201, pushed.text);
      const pulled = await call(base, "GET", `/v2/team/app/blobs/${pushed.digest}`);
      assert.equal(pulled.status, 200, pulled.text);
      const anonymousPush = await push(base, undefined, "anonymous content");
      assert.equal(anonymousPush.status, 401, anonymousPush.text);
      assert.equal(anonymousPush.code, "UNAUTHORIZED");
    });
  });
});

describe("NetworkPolicies are on by default", () => {
  const selectorOf = (objects, kind) => find(objects, kind).spec.selector.matchLabels;
  const registryPeers = (objects) => {
    const policy = find(objects, "NetworkPolicy", `${FULLNAME}-registry`);
    assert.equal(policy.spec.ingress.length, 1, "one rule: the registry's port");
    return policy.spec.ingress[0].from;
  };

  test("the registry admits only the node endpoints, the webhooks and the test Pod, on its port", () => {
    const objects = render();
    const policy = find(objects, "NetworkPolicy", `${FULLNAME}-registry`);
    assert.deepEqual(policy.spec.podSelector.matchLabels, selectorOf(objects, "StatefulSet"));
    assert.deepEqual(policy.spec.policyTypes, ["Ingress"]);
    const container = find(objects, "StatefulSet").spec.template.spec.containers[0];
    assert.deepEqual(policy.spec.ingress[0].ports, [{ port: container.ports[0].containerPort, protocol: "TCP" }]);
    const peers = registryPeers(objects);
    const testPod = find(objects, "Pod", `${FULLNAME}-test`);
    const expected = [selectorOf(objects, "DaemonSet"), selectorOf(objects, "Deployment"),
      Object.fromEntries(Object.entries(testPod.metadata.labels).filter(([k]) => !["helm.sh/chart", "app.kubernetes.io/version", "app.kubernetes.io/managed-by", "app.kubernetes.io/part-of"].includes(k)))];
    assert.deepEqual(peers, expected.map((matchLabels) => ({ podSelector: { matchLabels } })));
    for (const peer of peers) {
      assert.equal(peer.namespaceSelector, undefined, "Pods of the release namespace only");
    }
  });

  test("allowNamespaces, nodeCidrs and (with a ServiceMonitor) metricsNamespaces add sources", () => {
    const peers = registryPeers(render({ set: ["networkPolicy.allowNamespaces={ci,ingress-nginx}",
      "networkPolicy.nodeCidrs={10.1.0.0/16}", "serviceMonitor.enabled=true"] }));
    const namespaces = peers.map((p) => p.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"]).filter(Boolean);
    assert.deepEqual(namespaces, ["ci", "ingress-nginx", "monitoring"]);
    assert.deepEqual(peers.filter((p) => p.ipBlock), [{ ipBlock: { cidr: "10.1.0.0/16" } }]);
    const withoutMonitor = registryPeers(render({ set: ["networkPolicy.allowNamespaces={ci}"] }));
    assert.ok(!JSON.stringify(withoutMonitor).includes("monitoring"), "Prometheus only with a ServiceMonitor");
  });

  test("without the node endpoint its Pods are not a source", () => {
    const peers = registryPeers(render({ set: ["nodeProxy.enabled=false"] }));
    assert.ok(!JSON.stringify(peers).includes("node-proxy"));
    assert.equal(peers.length, 2);
  });

  test("the webhook admits every source on its port only", () => {
    const objects = render();
    const policy = find(objects, "NetworkPolicy", `${FULLNAME}-webhook`);
    assert.deepEqual(policy.spec.podSelector.matchLabels, selectorOf(objects, "Deployment"));
    assert.deepEqual(policy.spec.ingress, [{ ports: [{ port: 8443, protocol: "TCP" }] }]);
  });

  test("networkPolicy.enabled=false renders none", () => {
    assert.deepEqual(findAll(render({ set: ["networkPolicy.enabled=false"] }), "NetworkPolicy"), []);
  });
});
