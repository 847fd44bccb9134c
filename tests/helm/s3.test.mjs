// storage.s3: the registry as a Deployment of several replicas on one S3 bucket (no volume,
// credentials from an existing Secret, registry.s3 in its config), and the values schema's
// checks of it. The filesystem default (a one-replica StatefulSet) is covered in chart.test.mjs.
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";

import {
  RELEASE, berth, find, findAll, helm, CHART, NAMESPACE, materialise, modelFor, parseYaml,
  removeDir, render, tempDir, writeFiles,
} from "./lib.mjs";

const FULLNAME = `${RELEASE}-berth`;
const S3 = [
  "storage.s3.enabled=true",
  "storage.s3.bucket=berth-images",
  "storage.s3.endpoint=http://rgw.storage.svc:7480",
  "storage.s3.region=default",
  "storage.s3.prefix=prod/",
  "storage.s3.existingSecret=berth-s3",
];

describe("storage.s3", () => {
  test("the registry is a Deployment of 2 replicas without a volume claim", async () => {
    const objects = render({ set: S3 });
    assert.equal(find(objects, "StatefulSet", `${FULLNAME}-registry`), undefined);
    const deployment = find(objects, "Deployment", `${FULLNAME}-registry`);
    assert.ok(deployment, "a registry Deployment");
    assert.equal(deployment.spec.replicas, 2);
    assert.equal(deployment.spec.volumeClaimTemplates, undefined);
    assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0);
    const pod = deployment.spec.template.spec;
    const data = pod.volumes.find((v) => v.name === "data");
    assert.deepEqual(data.emptyDir, {}, "no persistent volume: the images are in the bucket");
    const svc = find(objects, "Service", `${FULLNAME}-registry`);
    assert.deepEqual(svc.spec.selector, deployment.spec.selector.matchLabels);
    const Model = await modelFor("apps/v1", "Deployment");
    new Model(deployment).validate();
    assert.equal(render({ set: [...S3, "storage.s3.replicas=3"] })
      .find((o) => o.kind === "Deployment" && o.metadata.name === `${FULLNAME}-registry`).spec.replicas, 3);
  });

  test("credentials come from the existing Secret as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", () => {
    const objects = render({ set: [...S3, "storage.s3.secretAccessKeyKey=secret"] });
    const c = find(objects, "Deployment", `${FULLNAME}-registry`).spec.template.spec.containers[0];
    const env = Object.fromEntries(c.env.map((e) => [e.name, e.valueFrom.secretKeyRef]));
    assert.deepEqual(env.AWS_ACCESS_KEY_ID, { name: "berth-s3", key: "AWS_ACCESS_KEY_ID" });
    assert.deepEqual(env.AWS_SECRET_ACCESS_KEY, { name: "berth-s3", key: "secret" });
    assert.equal(findAll(objects, "Secret").find((s) => s.metadata.name === "berth-s3"), undefined,
                 "the chart never renders the credentials");
  });

  test("registry.s3 is rendered into the config, which berth accepts", () => {
    const objects = render({ set: [...S3, "storage.s3.pathStyle=true"] });
    const text = find(objects, "ConfigMap", `${FULLNAME}-config`).data["registry.yaml"];
    const config = parseYaml(text);
    assert.deepEqual(config.registry.s3, {
      endpoint: "http://rgw.storage.svc:7480", region: "default", bucket: "berth-images",
      prefix: "prod/", pathStyle: true, insecureSkipVerify: false, partSize: 8388608,
    });
    const dir = tempDir();
    try {
      // The Pod's files (policies, the htpasswd Secret) where the rendered config names them:
      // --check-config reads them as serve does.
      const file = materialise(objects, dir, FULLNAME)["registry.yaml"];
      const r = berth(["serve", "--config", file, "--check-config"]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
    } finally {
      removeDir(dir);
    }
    const auto = parseYaml(find(render({ set: S3 }), "ConfigMap", `${FULLNAME}-config`).data["registry.yaml"]);
    assert.equal(auto.registry.s3.pathStyle, undefined, "null leaves the choice to berth");
  });

  test("the schema refuses an S3 storage without a bucket or a Secret, and bad names", () => {
    const template = (set) => helm(["template", RELEASE, CHART, "--namespace", NAMESPACE,
                                    ...set.flatMap((s) => ["--set", s])]);
    for (const [set, message] of [
      [["storage.s3.enabled=true", "storage.s3.existingSecret=s"], "bucket"],
      [["storage.s3.enabled=true", "storage.s3.bucket=images"], "existingSecret"],
      [[...S3, "storage.s3.bucket=Not_A_Bucket"], "bucket"],
      [[...S3, "storage.s3.endpoint=rgw:7480"], "endpoint"],
      [[...S3, "storage.s3.partSize=1024"], "partSize"],
    ]) {
      const r = template(set);
      assert.notEqual(r.status, 0, `${set.join(",")} was accepted`);
      assert.match(r.stderr, new RegExp(message), r.stderr);
    }
    assert.equal(template(S3).status, 0);
  });
});

describe("NOTES.txt with storage.s3", () => {
  test("names the Deployment, its replicas and the bucket", () => {
    const dir = tempDir();
    try {
      const chart = join(dir, "berth");
      cpSync(CHART, chart, { recursive: true });
      const notes = readFileSync(join(chart, "templates", "NOTES.txt"), "utf8");
      writeFileSync(join(chart, "templates", "_notes.tpl"), `{{- define "notes-under-test" -}}\n${notes}{{- end }}\n`);
      writeFileSync(join(chart, "templates", "zz-notes.yaml"),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include "notes-under-test" . | toJson }}\n');
      const r = helm(["template", RELEASE, chart, "--namespace", NAMESPACE, "--show-only",
                      "templates/zz-notes.yaml", ...S3.flatMap((s) => ["--set", s])]);
      assert.equal(r.status, 0, r.stderr);
      const text = parseYaml(r.stdout).data.notes;
      assert.match(text, /\(Deployment rel-berth-registry, 2 replicas on bucket berth-images\)/);
      assert.match(text, /rollout status deployment\/rel-berth-registry/);
      assert.doesNotMatch(text, /statefulset/);
    } finally {
      removeDir(dir);
    }
  });
});
