// The helm/berth chart: lint, schema, every rendered object against the Kubernetes OpenAPI
// schemas, the webhook configurations, security contexts, policies and config through the real
// berth binary, TLS in all three modes, the helm test hook and NOTES.txt.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { basename, join } from "node:path";
import { describe, test } from "node:test";

import {
  CHART, NAMESPACE, RELEASE, BERTH, berth, exampleValuesFiles, find, findAll, helm, materialise,
  modelFor, parseYaml, podSpecs, policyDecision, removeDir, render, startBerth, stopBerth, tempDir,
  writeFiles,
} from "./lib.mjs";

const FULLNAME = `${RELEASE}-berth`;
const VALUES_CASES = [
  { name: "default values", files: [] },
  ...exampleValuesFiles().map((f) => ({ name: basename(f), files: [f] })),
];

// Kinds kubernetes-models has no schema for (CRDs): checked by hand in checkCustomResource.
const CUSTOM_KINDS = {
  "cert-manager.io/v1/Issuer": "cert-manager CRD, not in the Kubernetes OpenAPI",
  "cert-manager.io/v1/Certificate": "cert-manager CRD, not in the Kubernetes OpenAPI",
  "monitoring.coreos.com/v1/ServiceMonitor": "prometheus-operator CRD, not in the Kubernetes OpenAPI",
};

function checkCustomResource(o) {
  const where = `${o.kind}/${o.metadata?.name}`;
  assert.ok(o.metadata?.name, `${where}: metadata.name`);
  assert.equal(o.metadata.namespace, NAMESPACE, `${where}: namespace`);
  assert.equal(typeof o.spec, "object", `${where}: spec`);
  if (o.kind === "Certificate") {
    assert.ok(o.spec.secretName, `${where}: spec.secretName is required`);
    assert.ok(o.spec.issuerRef?.name, `${where}: spec.issuerRef.name is required`);
    if (!o.spec.isCA) assert.ok(o.spec.dnsNames?.length, `${where}: spec.dnsNames`);
  } else if (o.kind === "Issuer") {
    const types = ["selfSigned", "ca", "acme", "vault", "venafi"].filter((k) => k in o.spec);
    assert.equal(types.length, 1, `${where}: exactly one issuer type`);
    if (o.spec.ca) assert.ok(o.spec.ca.secretName, `${where}: spec.ca.secretName`);
  } else if (o.kind === "ServiceMonitor") {
    assert.equal(typeof o.spec.selector, "object", `${where}: spec.selector is required`);
    assert.ok(o.spec.endpoints?.length, `${where}: spec.endpoints`);
    for (const e of o.spec.endpoints) {
      assert.ok(e.port, `${where}: endpoint port`);
      assert.ok(["http", "https"].includes(e.scheme), `${where}: endpoint scheme`);
    }
  }
}

async function validateObjects(objects) {
  assert.ok(objects.length > 0);
  const seen = new Set();
  for (const o of objects) {
    const id = `${o.apiVersion}/${o.kind}`;
    const where = `${o.kind}/${o.metadata?.name}`;
    const key = `${id}/${o.metadata?.name}`;
    assert.ok(!seen.has(key), `duplicate object ${key}`);
    seen.add(key);
    if (CUSTOM_KINDS[id]) {
      checkCustomResource(o);
      continue;
    }
    const Model = await modelFor(o.apiVersion, o.kind);
    assert.ok(Model, `${id}: no Kubernetes schema and not a known CRD`);
    try {
      new Model(o).validate();
    } catch (e) {
      assert.fail(`${where} does not match the Kubernetes schema: ${e.message}`);
    }
  }
}

describe("helm lint --strict", () => {
  for (const c of VALUES_CASES) {
    test(c.name, () => {
      const r = helm(["lint", "--strict", CHART, "--namespace", NAMESPACE, ...c.files.flatMap((f) => ["--values", f])]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });
  }
});

describe("rendered objects match the Kubernetes schemas", () => {
  for (const c of VALUES_CASES) {
    test(c.name, async () => {
      const objects = render({ files: c.files });
      await validateObjects(objects);
      for (const kind of ["StatefulSet", "Deployment", "Service", "ConfigMap", "MutatingWebhookConfiguration",
                          "ValidatingWebhookConfiguration", "ServiceAccount"]) {
        assert.ok(find(objects, kind), `${kind} rendered`);
      }
    });
  }
  test("every optional object on (node proxy, ingress, monitoring, network policy, auth)", async () => {
    const objects = render({
      files: [join(CHART, "..", "..", "examples", "helm", "values-prod.yaml")],
      set: ["nodeProxy.enabled=true"],
    });
    await validateObjects(objects);
    for (const kind of ["DaemonSet", "Ingress", "ServiceMonitor", "NetworkPolicy", "PodDisruptionBudget"]) {
      assert.ok(find(objects, kind), `${kind} rendered`);
    }
  });
  test("cert-manager objects with a chart-made CA", async () => {
    const objects = render({ set: ["webhook.tls.mode=certManager"] });
    await validateObjects(objects);
    assert.equal(findAll(objects, "Issuer").length, 2);
    assert.equal(findAll(objects, "Certificate").length, 2);
  });
  test("the negative case: a wrong field type is caught by the models", async () => {
    const Model = await modelFor("apps/v1", "Deployment");
    const broken = render({ showOnly: ["templates/webhook-deployment.yaml"] })[0];
    broken.spec.replicas = "two";
    assert.throws(() => new Model(broken).validate(), /replicas/);
  });
});

describe("values.schema.json rejects wrong values with a message", () => {
  const cases = [
    { set: ["webhook.failurePolicy=Sometimes"], message: /webhook\.failurePolicy must be one of the following: "Fail", "Ignore"/ },
    { setString: ["replicaCount=two"], message: /replicaCount: Invalid type\. Expected: integer, given: string/ },
    { set: ["replicaCount=2"], message: /replicaCount: Must be less than or equal to 1/ },
    { setString: ["webhook.replicaCount=two"], message: /webhook\.replicaCount: Invalid type\. Expected: integer/ },
    { set: ["webhook.tls.mode=selfSigned"], message: /webhook\.tls\.mode must be one of the following: "generate", "certManager", "existingSecret"/ },
    { set: ["webhook.tls.mode=existingSecret"], message: /webhook\.tls\.existingSecret\.name: String length must be greater than or equal to 1/ },
    { set: ["webhook.timeoutSeconds=60"], message: /webhook\.timeoutSeconds: Must be less than or equal to 30/ },
    { set: ["registry.auth.secretKey=htpasswd"], message: /registry\.auth: Additional property secretKey is not allowed/ },
    { set: ["logLevel=verbose"], message: /logLevel must be one of the following/ },
    { set: ["webhok.failurePolicy=Fail"], message: /Additional property webhok is not allowed/ },
    { set: ["policy.reloadInterval=soon"], message: /policy\.reloadInterval: Does not match pattern/ },
    { set: ["existingConfigMaps[0]=Bad_Name"], message: /existingConfigMaps\.0: Does not match pattern/ },
    { set: ["signatureKeySecrets[0]=Bad_Name"], message: /signatureKeySecrets\.0: Does not match pattern/ },
    { setString: ["nodeProxy.listen=localhost"], message: /nodeProxy\.listen: Does not match pattern/ },
    // Checks across values, from templates/validate.yaml.
    { set: ["webhook.replicaCount=1"], message: /webhook\.replicaCount \(1\) must be greater than webhook\.podDisruptionBudget\.minAvailable/ },
  ];
  for (const c of cases) {
    test([...(c.set ?? []), ...(c.setString ?? [])].join(" "), () => {
      const args = ["template", RELEASE, CHART, "--namespace", NAMESPACE];
      for (const s of c.set ?? []) args.push("--set", s);
      for (const s of c.setString ?? []) args.push("--set-string", s);
      const r = helm(args);
      assert.notEqual(r.status, 0, "helm template must fail");
      assert.match(r.stderr, c.message);
    });
  }
  test("a valid value passes", () => {
    assert.doesNotThrow(() => render({ set: ["webhook.failurePolicy=Fail", "webhook.replicaCount=3"] }));
  });
});

function webhookConfigurations(objects) {
  const mutating = find(objects, "MutatingWebhookConfiguration");
  const validating = find(objects, "ValidatingWebhookConfiguration");
  assert.ok(mutating && validating);
  assert.equal(mutating.webhooks.length, 1);
  assert.equal(validating.webhooks.length, 1);
  return { mutating, validating, m: mutating.webhooks[0], v: validating.webhooks[0] };
}

const EXPECTED_RULES = [
  { group: "", resource: "pods", operations: ["CREATE", "UPDATE"] },
  { group: "", resource: "pods/ephemeralcontainers", operations: ["UPDATE"] },
  { group: "", resource: "replicationcontrollers", operations: ["CREATE", "UPDATE"] },
  ...["deployments", "statefulsets", "daemonsets", "replicasets"].map((resource) => ({ group: "apps", resource, operations: ["CREATE", "UPDATE"] })),
  ...["jobs", "cronjobs"].map((resource) => ({ group: "batch", resource, operations: ["CREATE", "UPDATE"] })),
];

function excludedNamespaces(webhook) {
  const exprs = webhook.namespaceSelector?.matchExpressions ?? [];
  const e = exprs.find((x) => x.key === "kubernetes.io/metadata.name" && x.operator === "NotIn");
  assert.ok(e, "namespaceSelector has kubernetes.io/metadata.name NotIn");
  return e.values;
}

describe("webhook configurations", () => {
  test("admission contract, paths, rules for every kind, idempotent reinvocation", () => {
    const { m, v } = webhookConfigurations(render());
    assert.equal(m.reinvocationPolicy, "IfNeeded");
    assert.equal(v.reinvocationPolicy, undefined);
    for (const [w, path] of [[m, "/mutate"], [v, "/validate"]]) {
      assert.equal(w.sideEffects, "None");
      assert.deepEqual(w.admissionReviewVersions, ["v1"]);
      assert.equal(w.timeoutSeconds, 10);
      assert.equal(w.failurePolicy, "Ignore");
      assert.equal(w.clientConfig.service.path, path);
      assert.equal(w.clientConfig.service.name, `${FULLNAME}-webhook`);
      assert.equal(w.clientConfig.service.namespace, NAMESPACE);
      assert.equal(w.clientConfig.service.port, 443);
      for (const want of EXPECTED_RULES) {
        const rule = w.rules.find((r) => r.apiGroups.includes(want.group) && r.resources.includes(want.resource));
        assert.ok(rule, `${w.name}: a rule for ${want.group || "core"}/${want.resource}`);
        assert.deepEqual([...rule.operations].sort(), want.operations, `${w.name}: operations of ${want.resource}`);
        assert.deepEqual(rule.apiVersions, ["v1"]);
      }
      const covered = w.rules.flatMap((r) => r.resources);
      assert.equal(covered.length, EXPECTED_RULES.length, `${w.name}: no extra resources: ${covered}`);
    }
  });
  test("failurePolicy and timeoutSeconds come from values", () => {
    const { m, v } = webhookConfigurations(render({ set: ["webhook.failurePolicy=Fail", "webhook.timeoutSeconds=5"] }));
    for (const w of [m, v]) {
      assert.equal(w.failurePolicy, "Fail");
      assert.equal(w.timeoutSeconds, 5);
    }
  });
  test("the release namespace and kube-system are always excluded, plus extra ones", () => {
    for (const set of [[], ["webhook.excludeNamespaces={team-a,kube-system}"], ["webhook.excludeNamespaces=null"]]) {
      const { m, v } = webhookConfigurations(render({ set }));
      for (const w of [m, v]) {
        const excluded = excludedNamespaces(w);
        assert.ok(excluded.includes(NAMESPACE), `${w.name} excludes ${NAMESPACE}`);
        assert.ok(excluded.includes("kube-system"), `${w.name} excludes kube-system`);
        assert.equal(new Set(excluded).size, excluded.length, "no duplicates");
        if (set[0]?.includes("team-a")) assert.ok(excluded.includes("team-a"));
      }
    }
  });
  test("generate: caBundle is the generated CA, the same in both configurations and the Secret", () => {
    const objects = render();
    const { m, v } = webhookConfigurations(objects);
    const secret = find(objects, "Secret", `${FULLNAME}-webhook-tls`);
    assert.ok(secret, "the TLS Secret is rendered");
    assert.equal(secret.type, "kubernetes.io/tls");
    assert.ok(m.clientConfig.caBundle, "caBundle present");
    assert.equal(m.clientConfig.caBundle, v.clientConfig.caBundle);
    assert.equal(m.clientConfig.caBundle, secret.data["ca.crt"]);
    assert.match(Buffer.from(m.clientConfig.caBundle, "base64").toString(), /^-----BEGIN CERTIFICATE-----/);
  });
  test("certManager: inject-ca-from names the serving Certificate, no caBundle, no Secret", () => {
    const objects = render({ set: ["webhook.tls.mode=certManager"] });
    const { mutating, validating, m, v } = webhookConfigurations(objects);
    const cert = find(objects, "Certificate", `${FULLNAME}-webhook`);
    assert.ok(cert);
    for (const [config, w] of [[mutating, m], [validating, v]]) {
      assert.equal(config.metadata.annotations["cert-manager.io/inject-ca-from"], `${NAMESPACE}/${FULLNAME}-webhook`);
      assert.equal(w.clientConfig.caBundle, undefined);
    }
    assert.equal(find(objects, "Secret", `${FULLNAME}-webhook-tls`), undefined);
    const deployment = find(objects, "Deployment", `${FULLNAME}-webhook`);
    const tlsVolume = deployment.spec.template.spec.volumes.find((x) => x.name === "tls");
    assert.equal(tlsVolume.secret.secretName, cert.spec.secretName);
    assert.ok(cert.spec.dnsNames.includes(`${FULLNAME}-webhook.${NAMESPACE}.svc`));
    // The chart's CA chain: self-signed Issuer -> CA Certificate -> CA Issuer -> serving cert.
    const caIssuer = find(objects, "Issuer", cert.spec.issuerRef.name);
    assert.ok(caIssuer?.spec.ca, "the serving certificate is issued by the chart's CA Issuer");
    const caCert = find(objects, "Certificate", caIssuer.spec.ca.secretName);
    assert.equal(caCert.spec.isCA, true);
    assert.ok(find(objects, "Issuer", caCert.spec.issuerRef.name).spec.selfSigned);
  });
  test("certManager with an issuerRef: no chart-made CA", () => {
    const objects = render({ set: ["webhook.tls.mode=certManager", "webhook.tls.certManager.issuerRef.name=corp-ca",
                                    "webhook.tls.certManager.issuerRef.kind=ClusterIssuer"] });
    assert.equal(findAll(objects, "Issuer").length, 0);
    const certs = findAll(objects, "Certificate");
    assert.equal(certs.length, 1);
    assert.deepEqual(certs[0].spec.issuerRef, { name: "corp-ca", kind: "ClusterIssuer", group: "cert-manager.io" });
  });
  test("existingSecret: caBundle from values, the named Secret mounted, none rendered", () => {
    const objects = render({ set: ["webhook.tls.mode=existingSecret", "webhook.tls.existingSecret.name=my-tls",
                                    "webhook.tls.existingSecret.caBundle=Q0E="] });
    const { m, v } = webhookConfigurations(objects);
    assert.equal(m.clientConfig.caBundle, "Q0E=");
    assert.equal(v.clientConfig.caBundle, "Q0E=");
    assert.equal(find(objects, "Secret", `${FULLNAME}-webhook-tls`), undefined);
    assert.equal(findAll(objects, "Certificate").length, 0);
    const deployment = find(objects, "Deployment", `${FULLNAME}-webhook`);
    assert.equal(deployment.spec.template.spec.volumes.find((x) => x.name === "tls").secret.secretName, "my-tls");
  });
  test("generate: the chart looks the Secret up so upgrades keep the certificate", () => {
    const helpers = readFileSync(join(CHART, "templates", "_helpers.tpl"), "utf8");
    assert.match(helpers, /lookup "v1" "Secret" \.Release\.Namespace \(include "berth\.webhookTlsSecretName" \.\)/);
    assert.match(helpers, /genCA/);
    assert.match(helpers, /genSignedCert/);
  });
});

describe("workloads", () => {
  test("every container is non-root, read-only, without privileges, under RuntimeDefault seccomp", () => {
    for (const c of [...VALUES_CASES, { name: "node proxy on", files: [], set: ["nodeProxy.enabled=true"] }]) {
      const objects = render({ files: c.files, set: c.set ?? [] });
      const specs = podSpecs(objects);
      assert.ok(specs.length >= 3, `${c.name}: registry, webhook and test Pods`);
      for (const { owner, spec } of specs) {
        const psc = spec.securityContext;
        assert.equal(psc.runAsNonRoot, true, `${owner}: runAsNonRoot`);
        assert.equal(psc.runAsUser, 65532, `${owner}: runAsUser`);
        assert.equal(psc.fsGroup, 65532, `${owner}: fsGroup`);
        assert.equal(psc.seccompProfile.type, "RuntimeDefault", `${owner}: pod seccomp`);
        assert.equal(spec.automountServiceAccountToken, false, `${owner}: no API token`);
        for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
          const where = `${owner}/${container.name}`;
          const sc = container.securityContext;
          assert.ok(sc, `${where}: securityContext`);
          assert.equal(sc.runAsNonRoot, true, `${where}: runAsNonRoot`);
          assert.equal(sc.runAsUser, 65532, `${where}: runAsUser`);
          assert.equal(sc.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
          assert.equal(sc.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
          assert.deepEqual(sc.capabilities?.drop, ["ALL"], `${where}: capabilities drop ALL`);
          assert.equal(sc.capabilities?.add, undefined, `${where}: no added capabilities`);
          assert.equal(sc.seccompProfile?.type, "RuntimeDefault", `${where}: seccomp`);
          assert.ok(sc.privileged !== true, `${where}: not privileged`);
          assert.ok(container.resources?.limits?.memory, `${where}: a memory limit`);
        }
      }
    }
  });
  test("registry: StatefulSet with a PVC, berth serve --config, probes on /healthz and /readyz", () => {
    const objects = render({ set: ["registry.persistence.size=7Gi", "registry.persistence.storageClassName=ssd"] });
    const sts = find(objects, "StatefulSet", `${FULLNAME}-registry`);
    assert.equal(sts.spec.replicas, 1);
    const claim = sts.spec.volumeClaimTemplates[0];
    assert.equal(claim.metadata.name, "data");
    assert.equal(claim.spec.resources.requests.storage, "7Gi");
    assert.equal(claim.spec.storageClassName, "ssd");
    const c = sts.spec.template.spec.containers[0];
    assert.deepEqual(c.args, ["serve", "--config", "/etc/berth/config.yaml"]);
    assert.ok(c.volumeMounts.some((m) => m.name === "data" && m.mountPath === "/var/lib/berth"));
    assert.equal(c.livenessProbe.httpGet.path, "/healthz");
    assert.equal(c.readinessProbe.httpGet.path, "/readyz");
    assert.equal(c.image, "ghcr.io/berth-dev/berth:0.1.0");
    assert.ok(find(objects, "Service", sts.spec.serviceName), "the governing Service exists");
    const svc = find(objects, "Service", `${FULLNAME}-registry`);
    assert.deepEqual(svc.spec.selector, sts.spec.selector.matchLabels);
    assert.equal(svc.spec.ports[0].port, 5000);
  });
  test("webhook: its own Deployment with 2 replicas, a PDB, HTTPS probes, spread over nodes", () => {
    const objects = render();
    const d = find(objects, "Deployment", `${FULLNAME}-webhook`);
    assert.equal(d.spec.replicas, 2);
    assert.equal(d.spec.strategy.rollingUpdate.maxUnavailable, 0);
    const pdb = find(objects, "PodDisruptionBudget", `${FULLNAME}-webhook`);
    assert.equal(pdb.spec.minAvailable, 1);
    assert.deepEqual(pdb.spec.selector.matchLabels, d.spec.selector.matchLabels);
    const c = d.spec.template.spec.containers[0];
    assert.deepEqual(c.args, ["serve", "--config", "/etc/berth/config.yaml"]);
    for (const probe of [c.livenessProbe, c.readinessProbe]) assert.equal(probe.httpGet.scheme, "HTTPS");
    assert.equal(c.livenessProbe.httpGet.path, "/healthz");
    assert.equal(c.readinessProbe.httpGet.path, "/readyz");
    assert.ok(d.spec.template.spec.affinity.podAntiAffinity);
    const svc = find(objects, "Service", `${FULLNAME}-webhook`);
    assert.deepEqual(svc.spec.selector, d.spec.selector.matchLabels);
    assert.equal(svc.spec.ports[0].targetPort, "https");
    assert.ok(c.ports.some((p) => p.name === "https" && p.containerPort === 8443));
  });
  test("node proxy: on by default, a hostNetwork DaemonSet whose config is only the node endpoint", () => {
    assert.equal(find(render({ set: ["nodeProxy.enabled=false"] }), "DaemonSet"), undefined);
    const objects = render();
    const ds = find(objects, "DaemonSet");
    const spec = ds.spec.template.spec;
    assert.equal(spec.hostNetwork, true);
    assert.equal(spec.dnsPolicy, "ClusterFirstWithHostNet");
    assert.deepEqual(spec.containers[0].args, ["serve", "--config", "/etc/berth/config.yaml"]);
    assert.equal(spec.containers[0].livenessProbe.httpGet.host, "127.0.0.1");
    assert.equal(spec.containers[0].livenessProbe.httpGet.port, 5005);
    const mount = spec.containers[0].volumeMounts.find((m) => m.mountPath === "/etc/berth/config.yaml");
    assert.equal(mount.subPath, "node-proxy.yaml");
    const config = parseYaml(find(objects, "ConfigMap", `${FULLNAME}-config`).data["node-proxy.yaml"]);
    assert.deepEqual(Object.keys(config).sort(), ["logLevel", "nodeProxy"]);
    assert.equal(config.nodeProxy.listen, "127.0.0.1:5005");
    assert.equal(config.nodeProxy.upstreamRegistry,
                 `http://${FULLNAME}-registry.${NAMESPACE}.svc.cluster.local:5000`);
    assert.equal(config.nodeProxy.cacheDir, "/var/lib/berth/node-cache");
    // The kubelet evicts a Pod whose emptyDir outgrows its sizeLimit: the cache bound stays below.
    const data = spec.volumes.find((v) => v.name === "data");
    assert.ok(Number(data.emptyDir.sizeLimit) > config.nodeProxy.cacheMaxBytes);
    assert.ok(ds.spec.template.metadata.annotations["checksum/config"]);
  });
  test("pull-through upstreams: the default mirror policy's registries, credentials from a Secret", () => {
    const config = (objects) => parseYaml(find(objects, "ConfigMap", `${FULLNAME}-config`).data["registry.yaml"]);
    const policies = find(render(), "ConfigMap", `${FULLNAME}-policies`).data;
    const mirrored = [...Object.values(policies).join("\n").matchAll(/images: \['([a-z\\.]+)\//g)]
      .map((m) => m[1].replaceAll("\\", ""));
    const hosts = config(render()).registry.proxy.upstreams.map((u) => u.host);
    assert.ok(mirrored.length >= 3, `mirror rules found: ${mirrored}`);
    for (const host of mirrored) assert.ok(hosts.includes(host), `${host} is rewritten but not proxied`);
    assert.equal(config(render()).registry.proxy.dockerConfigJson, undefined);
    const withSecret = render({ set: ["registry.proxy.dockerConfigSecret=upstream-creds"] });
    assert.equal(config(withSecret).registry.proxy.dockerConfigJson, "/etc/berth/upstream-auth/.dockerconfigjson");
    const volume = find(withSecret, "StatefulSet").spec.template.spec.volumes.find((v) => v.name === "upstream-auth");
    assert.equal(volume.secret.secretName, "upstream-creds");
    assert.equal(config(render({ set: ["registry.proxy.upstreams=null"] })).registry.proxy, undefined);
  });
  test("ingress, service monitor and network policies point at the right Services and ports", () => {
    const objects = render({ files: [join(CHART, "..", "..", "examples", "helm", "values-prod.yaml")] });
    const ingress = find(objects, "Ingress");
    const backend = ingress.spec.rules[0].http.paths[0].backend.service;
    assert.equal(backend.name, `${FULLNAME}-registry`);
    assert.equal(ingress.spec.rules[0].http.paths[0].path, "/v2");
    const sm = find(objects, "ServiceMonitor");
    assert.deepEqual(sm.spec.endpoints.map((e) => e.port), ["http", "https"]);
    assert.equal(sm.metadata.labels.release, "kube-prometheus-stack");
    const policies = findAll(objects, "NetworkPolicy");
    assert.equal(policies.length, 2);
    const registryPolicy = find(objects, "NetworkPolicy", `${FULLNAME}-registry`);
    assert.equal(registryPolicy.spec.ingress[0].ports[0].port, 5000);
    const namespaces = registryPolicy.spec.ingress[0].from
      .map((peer) => peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"]).filter(Boolean);
    assert.deepEqual(namespaces, ["ingress-nginx", "ci", "monitoring"], "allowNamespaces, then Prometheus's");
    assert.equal(find(objects, "NetworkPolicy", `${FULLNAME}-webhook`).spec.ingress[0].ports[0].port, 8443);
    // htpasswd from the existing Secret, mounted where the config says.
    const sts = find(objects, "StatefulSet");
    const vol = sts.spec.template.spec.volumes.find((v) => v.name === "htpasswd");
    assert.equal(vol.secret.secretName, "berth-htpasswd");
    const config = parseYaml(find(objects, "ConfigMap", `${FULLNAME}-config`).data["registry.yaml"]);
    assert.equal(config.registry.auth.htpasswd, "/etc/berth/auth/htpasswd");
    assert.ok(sts.spec.template.spec.containers[0].volumeMounts.some((m) => m.name === "htpasswd" && m.mountPath === "/etc/berth/auth"));
  });
});

describe("policies", () => {
  // The node endpoint applies no policy, so its DaemonSet has no policy volume.
  const policyMounts = (objects) =>
    podSpecs(objects).filter(({ owner }) => !owner.startsWith("DaemonSet/")).map(({ owner, spec }) => {
      const volume = spec.volumes.find((v) => v.name === "policies");
      const mount = spec.containers[0].volumeMounts.find((m) => m.name === "policies");
      return { owner, volume, mount };
    });

  for (const c of VALUES_CASES) {
    test(`${c.name}: the policy ConfigMap passes berth policy check`, () => {
      const cm = find(render({ files: c.files }), "ConfigMap", `${FULLNAME}-policies`);
      assert.ok(Object.keys(cm.data ?? {}).length > 0, "at least one policy file");
      const dir = tempDir();
      try {
        writeFiles(dir, cm.data);
        const r = berth(["policy", "check", dir]);
        assert.equal(r.status, 0, r.stdout + r.stderr);
      } finally {
        removeDir(dir);
      }
    });
  }
  test("default policies decide as documented", () => {
    const cm = find(render(), "ConfigMap", `${FULLNAME}-policies`);
    const dir = tempDir();
    try {
      writeFiles(dir, cm.data);
      assert.equal(policyDecision(dir, "default", "nginx:latest").decision, "deny");
      assert.equal(policyDecision(dir, "dev-alice", "nginx:latest").decision, "allow");
      const mirrored = policyDecision(dir, "default", "nginx:1.25");
      assert.equal(mirrored.decision, "allow", "the mirror policy is in warn mode by default");
      assert.ok(mirrored.warnings.some((w) => w.policy === "mirror-public-registries"));
    } finally {
      removeDir(dir);
    }
  });
  test("a broken policy in values is caught by berth policy check (the check can fail)", () => {
    const cm = find(render({ set: ["policies.bad\\.yaml=apiVersion: berth.dev/v1"] }), "ConfigMap", `${FULLNAME}-policies`);
    const dir = tempDir();
    try {
      writeFiles(dir, cm.data);
      assert.equal(berth(["policy", "check", dir]).status, 1);
    } finally {
      removeDir(dir);
    }
  });
  test("mounted as a directory from a projected volume with existingConfigMaps", () => {
    const objects = render({ set: ["existingConfigMaps={team-a-policies,team-b-policies}"] });
    const mounts = policyMounts(objects);
    assert.equal(mounts.length, 3, "registry, webhook and test Pods");
    for (const { owner, volume, mount } of mounts) {
      assert.equal(mount.mountPath, "/etc/berth/policies", owner);
      assert.equal(mount.subPath, undefined, `${owner}: a subPath mount would never be updated`);
      assert.deepEqual(volume.projected.sources.map((s) => s.configMap.name),
                       [`${FULLNAME}-policies`, "team-a-policies", "team-b-policies"], owner);
    }
    const config = parseYaml(find(objects, "ConfigMap", `${FULLNAME}-config`).data["registry.yaml"]);
    assert.equal(config.policy.path, "/etc/berth/policies");
  });
  test("signatureKeySecrets are mounted beside the policies on every Pod that loads them", () => {
    const objects = render({ set: ["signatureKeySecrets={release-keys,qa-keys}"] });
    const specs = podSpecs(objects).filter(({ owner }) => !owner.startsWith("DaemonSet/"));
    assert.equal(specs.length, 3, "registry, webhook and test Pods");
    for (const { owner, spec } of specs) {
      for (const [i, name] of ["release-keys", "qa-keys"].entries()) {
        const volume = spec.volumes.find((v) => v.name === `signature-keys-${i}`);
        assert.equal(volume?.secret?.secretName, name, owner);
        const mount = spec.containers[0].volumeMounts.find((m) => m.name === volume.name);
        assert.equal(mount?.mountPath, `/etc/berth/keys/${name}`, owner);
        assert.equal(mount.readOnly, true, owner);
      }
    }
    const none = podSpecs(render()).flatMap(({ spec }) => spec.volumes.map((v) => v.name));
    assert.ok(!none.some((n) => n.startsWith("signature-keys-")), "no key volume by default");
  });
  test("no checksum of the policies on the Pods: a policy change does not restart them", () => {
    const before = render();
    const after = render({ set: ["policies.30-extra\\.yaml=# nothing"] });
    assert.notDeepEqual(find(before, "ConfigMap", `${FULLNAME}-policies`).data,
                        find(after, "ConfigMap", `${FULLNAME}-policies`).data);
    for (const kind of ["StatefulSet", "Deployment"]) {
      assert.deepEqual(find(before, kind).spec.template.metadata.annotations,
                       find(after, kind).spec.template.metadata.annotations, kind);
    }
    // ... while a config change does roll them (the config is read once).
    const other = render({ set: ["logLevel=debug"] });
    assert.notDeepEqual(find(before, "StatefulSet").spec.template.metadata.annotations,
                        find(other, "StatefulSet").spec.template.metadata.annotations);
  });
});

describe("berth config rendered from values", () => {
  for (const c of VALUES_CASES) {
    // One test per file: webhook.yaml and node-proxy.yaml carry webhook.registryAuth and
    // nodeProxy.registryAuth with registry auth on.
    for (const key of ["registry.yaml", "webhook.yaml", "node-proxy.yaml"]) {
      test(`${c.name}: ${key} passes berth serve --check-config`, () => {
        const objects = render({ files: c.files });
        const dir = tempDir();
        try {
          const files = materialise(objects, dir, FULLNAME);
          const r = berth(["serve", "--config", files[key], "--check-config"]);
          assert.equal(r.status, 0, `${key}: ${r.stdout}${r.stderr}`);
        } finally {
          removeDir(dir);
        }
      });
    }
    test(`${c.name}: listeners of the rendered configs`, () => {
      const data = find(render({ files: c.files }), "ConfigMap", `${FULLNAME}-config`).data;
      assert.equal(parseYaml(data["registry.yaml"]).registry.listen, "0.0.0.0:5000");
      const webhook = parseYaml(data["webhook.yaml"]);
      assert.equal(webhook.webhook.listen, "0.0.0.0:8443");
      assert.equal(webhook.webhook.tls.cert, "/etc/berth/tls/tls.crt");
      assert.equal(webhook.webhook.tls.key, "/etc/berth/tls/tls.key");
      assert.equal(webhook.registry.listen, "127.0.0.1:5000", "the webhook Pods' registry stays on loopback");
    });
  }
  test("an unknown key would be caught: --check-config fails on a typo", () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir, "bad.yaml"), "registry:\n  listn: 0.0.0.0:5000\n");
      assert.equal(berth(["serve", "--config", join(dir, "bad.yaml"), "--check-config"]).status, 2);
    } finally {
      removeDir(dir);
    }
  });

  test("generate mode: berth serves the webhook with the generated certificate, verified by its CA under the Service name", async () => {
    const objects = render();
    const dir = tempDir();
    let child;
    try {
      const files = materialise(objects, dir, FULLNAME);
      const text = readFileSync(files["webhook.yaml"], "utf8").replace("0.0.0.0:8443", "127.0.0.1:0").replace("127.0.0.1:5000", "127.0.0.1:0");
      writeFileSync(files["webhook.yaml"], text);
      const started = await startBerth(["--config", files["webhook.yaml"]], dir);
      child = started.child;
      const ports = started.ports;
      assert.ok(ports.webhookPort > 0, "the webhook listens");
      const { m } = webhookConfigurations(objects);
      const ca = Buffer.from(m.clientConfig.caBundle, "base64").toString();
      const serviceName = `${FULLNAME}-webhook.${NAMESPACE}.svc`;
      const get = (servername) => new Promise((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port: ports.webhookPort, path: "/readyz", ca, servername },
                            (res) => { res.resume(); resolve(res.statusCode); });
        req.on("error", reject);
        req.end();
      });
      assert.equal(await get(serviceName), 200);
      await assert.rejects(get("not-the-service.example.com"), /altnames|Hostname/);
    } finally {
      if (child) await stopBerth(child);
      removeDir(dir);
    }
  });
});

describe("helm test hook", () => {
  const hookPod = (opts) => find(render(opts), "Pod", `${FULLNAME}-test`);

  test("is a test hook running the Berth image", () => {
    const pod = hookPod({ set: ["image.repository=registry.example.com/berth", "image.tag=9.9.9"] });
    assert.equal(pod.metadata.annotations["helm.sh/hook"], "test");
    assert.equal(pod.spec.containers[0].image, "registry.example.com/berth:9.9.9");
    assert.equal(pod.spec.restartPolicy, "Never");
  });

  // Runs the hook's script against a real berth registry with the rendered policies.
  async function runHook(set) {
    const objects = render({ set });
    const pod = find(objects, "Pod", `${FULLNAME}-test`);
    const container = pod.spec.containers[0];
    assert.equal(container.command[0], "/bin/bash");
    const dir = tempDir();
    let child;
    try {
      writeFiles(join(dir, "policies"), find(objects, "ConfigMap", `${FULLNAME}-policies`).data);
      const started = await startBerth(["--registry-listen", "127.0.0.1:0", "--storage", join(dir, "storage"),
                                        "--policy", join(dir, "policies")], dir);
      child = started.child;
      const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
      Object.assign(env, { BERTH, REGISTRY_HOST: "127.0.0.1", REGISTRY_PORT: String(started.ports.registryPort),
                           POLICY_DIR: join(dir, "policies") });
      const r = spawnSync("bash", ["-c", container.command[2]], { encoding: "utf8", env: { PATH: process.env.PATH, ...env } });
      return { status: r.status, output: r.stdout + r.stderr };
    } finally {
      if (child) await stopBerth(child);
      removeDir(dir);
    }
  }

  test("its script passes against a running registry with the default policies", async () => {
    const r = await runHook([]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /ok: GET .*\/v2\/ -> 200/);
    assert.match(r.output, /ok: docker.io\/library\/nginx:latest in default -> deny/);
  });
  test("its script fails when the decision is not the expected one", async () => {
    const r = await runHook(["tests.expectDecision=allow"]);
    assert.equal(r.status, 1, r.output);
    assert.match(r.output, /FAIL: expected decision allow/);
  });
});

describe("NOTES.txt", () => {
  // helm template does not render NOTES.txt; render it through a copy of the chart where it is
  // a named template printed into a ConfigMap.
  function renderNotes(set = []) {
    const dir = tempDir();
    try {
      const chart = join(dir, "berth");
      cpSync(CHART, chart, { recursive: true });
      const notes = readFileSync(join(chart, "templates", "NOTES.txt"), "utf8");
      writeFileSync(join(chart, "templates", "_notes.tpl"), `{{- define "notes-under-test" -}}\n${notes}{{- end }}\n`);
      writeFileSync(join(chart, "templates", "zz-notes.yaml"),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include "notes-under-test" . | toJson }}\n');
      const args = ["template", RELEASE, chart, "--namespace", NAMESPACE, "--show-only", "templates/zz-notes.yaml"];
      for (const s of set) args.push("--set", s);
      const r = helm(args);
      assert.equal(r.status, 0, r.stderr);
      return parseYaml(r.stdout).data.notes;
    } finally {
      removeDir(dir);
    }
  }
  test("says how to push, pull and check a policy", () => {
    const notes = renderNotes();
    assert.match(notes, /skopeo copy .*docker:\/\/127\.0\.0\.1:5000\/docker\.io\/library\/nginx:1\.25/s);
    assert.match(notes, /skopeo inspect/);
    assert.match(notes, /berth policy test --policy \/etc\/berth\/policies --namespace default --image nginx:latest/);
    assert.match(notes, /helm test rel -n berth-system/);
    assert.match(notes, new RegExp(`port-forward svc/${FULLNAME}-registry 5000:5000`));
    assert.match(notes, /failurePolicy is Ignore/);
    assert.doesNotMatch(renderNotes(["webhook.failurePolicy=Fail"]), /failurePolicy is Ignore/);
  });
  test("says where the admin password is, and when the registry is open", () => {
    const notes = renderNotes();
    assert.match(notes, new RegExp(`get secret ${FULLNAME}-registry-auth -o jsonpath='\\{\\.data\\.admin-password\\}' \\| base64 -d`));
    assert.match(notes, /--dest-creds "admin:\$\{PASSWORD\}"/);
    assert.match(notes, /anonymous pull off/);
    assert.match(notes, /networkPolicy\.nodeCidrs is empty/);
    assert.doesNotMatch(notes, /auth {7}OFF|no NetworkPolicy/);
    const existing = renderNotes(["registry.auth.existingSecret=team-auth", "registry.auth.secretKeys.adminPassword=root"]);
    assert.match(existing, /get secret team-auth -o jsonpath='\{\.data\.root\}'/);
    const open = renderNotes(["registry.auth.enabled=false", "networkPolicy.enabled=false"]);
    assert.match(open, /auth {7}OFF: anyone who reaches the registry may push, overwrite and delete images/);
    assert.match(open, /no NetworkPolicy: every Pod in the cluster reaches the registry/);
    assert.doesNotMatch(open, /PASSWORD/);
  });
});
