// The Dockerfile cannot be built here (no Docker engine), so check what can go wrong without
// one: every path it COPYs exists and is not excluded by .dockerignore, every package it
// installs is a real Debian package (apt-cache show), and the runtime stage is the non-root,
// single-binary image the chart expects.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const REPO = process.env.BERTH_SOURCE_DIR;
assert.ok(REPO, "BERTH_SOURCE_DIR is set");

// Joins continuation lines and drops comments: one instruction per entry.
function instructions(text) {
  const joined = text.split("\n").filter((l) => !/^\s*#/.test(l)).join("\n").replace(/\\\n/g, " ");
  return joined.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
    const [op, ...rest] = l.split(/\s+/);
    return { op: op.toUpperCase(), args: rest, line: l };
  });
}

const dockerfile = readFileSync(join(REPO, "Dockerfile"), "utf8");
const all = instructions(dockerfile);
const stages = [];
for (const i of all) {
  if (i.op === "FROM") stages.push({ from: i.args[0], name: i.args[2], steps: [] });
  else stages.at(-1).steps.push(i);
}
const [build, runtime] = stages;

function installedPackages(stage) {
  const run = stage.steps.filter((s) => s.op === "RUN" && s.line.includes("apt-get install"));
  assert.equal(run.length, 1, `one apt-get install in the ${stage.from} stage`);
  const after = run[0].line.split("apt-get install")[1].split("&&")[0];
  return after.split(/\s+/).filter((w) => w && !w.startsWith("-"));
}

function dockerignorePatterns() {
  return readFileSync(join(REPO, ".dockerignore"), "utf8").split("\n").map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
}

test("two stages: debian:12 build, debian:12-slim runtime", () => {
  assert.equal(stages.length, 2);
  assert.equal(build.from, "debian:12");
  assert.equal(build.name, "build");
  assert.equal(runtime.from, "debian:12-slim");
});

test("every path the build stage copies exists and is in the build context", () => {
  const copies = all.filter((i) => i.op === "COPY" && !i.args.some((a) => a.startsWith("--from")));
  assert.ok(copies.length >= 5);
  const ignored = dockerignorePatterns().filter((p) => !p.startsWith("!")).map((p) => p.replace(/^\//, "").replace(/\/$/, ""));
  const copied = [];
  for (const c of copies) {
    const sources = c.args.filter((a) => !a.startsWith("--")).slice(0, -1);
    for (const s of sources) {
      const path = s.replace(/\/$/, "");
      assert.ok(existsSync(join(REPO, path)), `COPY ${s}: missing from the repository`);
      assert.ok(!ignored.includes(path.split("/")[0]), `COPY ${s}: excluded by .dockerignore`);
      copied.push(path);
    }
  }
  // Everything the root CMakeLists.txt adds must be copied, or cmake fails in the image.
  const cmake = readFileSync(join(REPO, "CMakeLists.txt"), "utf8");
  for (const m of cmake.matchAll(/^\s*add_subdirectory\((\S+)\)/gm)) {
    // Built only with BERTH_BUILD_TESTS or BERTH_BUILD_BENCH, both OFF in the image.
    if (["tests", "bench", "fuzz"].includes(m[1])) continue;
    // A folder inside a copied one (common/oci inside common/) comes with it.
    const covered = copied.some((c) => m[1] === c || m[1].startsWith(c + "/"));
    assert.ok(covered, `add_subdirectory(${m[1]}) is not copied`);
  }
  for (const m of cmake.matchAll(/^\s*include\((cmake\/\S+)\)/gm)) {
    assert.ok(copied.includes("cmake") && existsSync(join(REPO, m[1])), `${m[1]} copied`);
  }
  assert.match(build.steps.map((s) => s.line).join("\n"), /-DCMAKE_BUILD_TYPE=Release.*--target berth/s);
});

test("the runtime stage installs only the runtime libraries, each a real Debian package", () => {
  const runtimePackages = installedPackages(runtime);
  assert.deepEqual([...runtimePackages].sort(),
                   ["ca-certificates", "libcpp-httplib0.11", "libcrypt1", "libre2-9", "libssl3", "libyaml-cpp0.7"]);
  // One apt-cache call for all names (it fails if any is unknown), then each is looked for.
  const names = [...runtimePackages, ...installedPackages(build)];
  const r = spawnSync("apt-cache", ["show", "--no-all-versions", ...names], { encoding: "utf8" });
  assert.equal(r.status, 0, `apt-cache show ${names.join(" ")}: ${r.stderr}`);
  for (const name of names) {
    assert.match(r.stdout, new RegExp(`^Package: ${name.replace(/[.+]/g, "\\$&")}$`, "m"), `${name} is a Debian package`);
  }
  for (const dev of installedPackages(build).filter((p) => p.endsWith("-dev"))) {
    assert.ok(!runtimePackages.includes(dev), `${dev} stays in the build stage`);
  }
});

test("the runtime image: non-root 65532, one binary, berth as the entrypoint", () => {
  const steps = runtime.steps;
  const user = steps.filter((s) => s.op === "USER").at(-1);
  assert.match(user.args[0], /^65532(:65532)?$/);
  const copies = steps.filter((s) => s.op === "COPY");
  assert.equal(copies.length, 1, "only the berth binary is copied into the runtime image");
  assert.deepEqual(copies[0].args, ["--from=build", "/src/build/berth", "/usr/local/bin/berth"]);
  const entrypoint = steps.find((s) => s.op === "ENTRYPOINT");
  assert.deepEqual(JSON.parse(entrypoint.line.slice("ENTRYPOINT".length)), ["/usr/local/bin/berth"]);
  // The chart runs every container as the image's user.
  const helpers = readFileSync(join(REPO, "helm", "berth", "templates", "_helpers.tpl"), "utf8");
  assert.match(helpers, /runAsUser: 65532/);
});
