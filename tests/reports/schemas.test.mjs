// The vulnerability-report fixtures (tests/fixtures/reports) are what the scanners would write:
// CycloneDX 1.5 and SARIF 2.1.0 against their published JSON schemas (from npm, checked with ajv),
// Trivy JSON and OpenVEX, which publish no schema on npm, against their required shape. Each
// check also refuses a broken copy, so a schema that accepted anything would fail the test.
// Environment: HELM_TOOLS (tests/helm/setup.sh), BERTH_SOURCE_DIR.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through ctest or tests/reports/run.sh)`);
  return value;
}

const TOOLS = need("HELM_TOOLS");
const FIXTURES = join(need("BERTH_SOURCE_DIR"), "tests", "fixtures", "reports");
const MODULES = join(TOOLS, "node_modules");
const require = createRequire(join(MODULES, "package.json"));
const Ajv = require("ajv").default;
const addFormats = require("ajv-formats").default;
const addDraft2019Formats = require("ajv-formats-draft2019");

const fixture = (name) => JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));
const readSchema = (...path) => JSON.parse(readFileSync(join(MODULES, ...path), "utf8"));
const copy = (value) => structuredClone(value);

// Draft-07 with every format the schemas use checked: date-time and uri from ajv-formats,
// iri-reference and idn-email (CycloneDX) from ajv-formats-draft2019. strict: false because the
// schemas carry annotations ajv does not know ("meta:enum").
function newAjv(options = {}) {
  const ajv = new Ajv({ allErrors: true, strict: false, ...options });
  addFormats(ajv);
  addDraft2019Formats(ajv, { formats: ["idn-email", "idn-hostname", "iri", "iri-reference"] });
  return ajv;
}

function cycloneDxValidator() {
  const dir = ["@cyclonedx", "cyclonedx-library", "res", "schema"];
  const ajv = newAjv();
  // bom-1.5 refers to its neighbours by their file names, relative to its own $id; their own
  // $id lacks the ".SNAPSHOT", so they are registered under the name that is referenced.
  for (const name of ["spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"]) {
    const schema = readSchema(...dir, name);
    schema.$id = `http://cyclonedx.org/schema/${name}`;
    ajv.addSchema(schema);
  }
  return ajv.compile(readSchema(...dir, "bom-1.5.SNAPSHOT.schema.json"));
}

function sarifValidator() {
  // The SARIF schema is written in draft-04; the keywords it uses mean the same in draft-07
  // except its "id", which draft-07 spells "$id". Its pattern for "language" has a stray "]" that
  // is an error in a Unicode regular expression (ajv's default), not in a plain one.
  const schema = readSchema("@microsoft", "jest-sarif", "lib", "schemas", "sarif-2.1.0-rtm.5.json");
  const { id, $schema, ...rest } = schema;
  return newAjv({ unicodeRegExp: false }).compile({ $id: id, ...rest });
}

const errorsOf = (validate, doc) => (validate(doc) ? [] : validate.errors.map((e) => `${e.instancePath} ${e.message}`));

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const isString = (v) => typeof v === "string" && v.length > 0;

// Trivy JSON, SchemaVersion 2 (pkg/types/report.go in Trivy): what `trivy image -f json` writes
// and what supplychain/trivy_report.cpp reads.
function trivyProblems(doc) {
  const problems = [];
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return ["not an object"];
  if (doc.SchemaVersion !== 2) problems.push("SchemaVersion is not 2");
  if (!isString(doc.ArtifactName)) problems.push("ArtifactName is missing");
  if (doc.CreatedAt !== undefined && !RFC3339.test(doc.CreatedAt)) problems.push("CreatedAt is not RFC 3339");
  if (!Array.isArray(doc.Results)) return [...problems, "Results is not an array"];
  doc.Results.forEach((result, r) => {
    if (!isString(result.Target)) problems.push(`Results[${r}].Target is missing`);
    if (!isString(result.Class)) problems.push(`Results[${r}].Class is missing`);
    if (result.Vulnerabilities === undefined) return;
    if (!Array.isArray(result.Vulnerabilities)) return problems.push(`Results[${r}].Vulnerabilities is not an array`);
    result.Vulnerabilities.forEach((v, i) => {
      const at = `Results[${r}].Vulnerabilities[${i}]`;
      for (const field of ["VulnerabilityID", "PkgName", "InstalledVersion"]) {
        if (!isString(v[field])) problems.push(`${at}.${field} is missing`);
      }
      if (v.FixedVersion !== undefined && typeof v.FixedVersion !== "string") problems.push(`${at}.FixedVersion is not a string`);
      if (!["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"].includes(v.Severity)) {
        problems.push(`${at}.Severity ${JSON.stringify(v.Severity)} is not a Trivy severity`);
      }
    });
  });
  return problems;
}

// OpenVEX 0.2.0 (https://github.com/openvex/spec/blob/main/OPENVEX-SPEC.md): the document's
// required fields, and each statement's status with what that status requires.
const STATUSES = ["not_affected", "affected", "fixed", "under_investigation"];
const JUSTIFICATIONS = [
  "component_not_present",
  "vulnerable_code_not_present",
  "vulnerable_code_not_in_execute_path",
  "vulnerable_code_cannot_be_controlled_by_adversary",
  "inline_mitigations_already_exist",
];
function openVexProblems(doc) {
  const problems = [];
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return ["not an object"];
  if (typeof doc["@context"] !== "string" || !doc["@context"].startsWith("https://openvex.dev/ns")) {
    problems.push("@context is not https://openvex.dev/ns/...");
  }
  for (const field of ["@id", "author"]) if (!isString(doc[field])) problems.push(`${field} is missing`);
  if (!RFC3339.test(doc.timestamp ?? "")) problems.push("timestamp is not RFC 3339");
  if (!Number.isInteger(doc.version) || doc.version < 1) problems.push("version is not a positive integer");
  if (!Array.isArray(doc.statements) || doc.statements.length === 0) return [...problems, "statements is empty"];
  doc.statements.forEach((s, i) => {
    const at = `statements[${i}]`;
    if (!isString(s.vulnerability?.name)) problems.push(`${at}.vulnerability.name is missing`);
    if (s.timestamp !== undefined && !RFC3339.test(s.timestamp)) problems.push(`${at}.timestamp is not RFC 3339`);
    if (!Array.isArray(s.products) || s.products.some((p) => !isString(p["@id"]))) {
      problems.push(`${at}.products do not all have an @id`);
    }
    if (!STATUSES.includes(s.status)) problems.push(`${at}.status ${JSON.stringify(s.status)} is not an OpenVEX status`);
    if (s.status === "not_affected" && !JUSTIFICATIONS.includes(s.justification)) {
      problems.push(`${at}: not_affected without a known justification`);
    }
    if (s.status === "affected" && !isString(s.action_statement)) problems.push(`${at}: affected without an action_statement`);
  });
  return problems;
}

test("cyclonedx.json and cyclonedx-clean.json are valid CycloneDX 1.5", () => {
  const validate = cycloneDxValidator();
  for (const name of ["cyclonedx.json", "cyclonedx-clean.json"]) {
    assert.deepEqual(errorsOf(validate, fixture(name)), [], name);
  }
});

test("the CycloneDX schema refuses broken copies", () => {
  const validate = cycloneDxValidator();
  const badSeverity = copy(fixture("cyclonedx.json"));
  badSeverity.vulnerabilities[0].ratings[0].severity = "catastrophic";
  assert.ok(errorsOf(validate, badSeverity).some((e) => e.includes("/ratings/0/severity")));
  const noFormat = copy(fixture("cyclonedx-clean.json"));
  delete noFormat.bomFormat;
  assert.ok(errorsOf(validate, noFormat).some((e) => e.includes("bomFormat")));
  const noName = copy(fixture("cyclonedx-clean.json"));
  delete noName.components[0].components[0].name;
  assert.notDeepEqual(errorsOf(validate, noName), []);
  const badTime = copy(fixture("cyclonedx.json"));
  badTime.metadata.timestamp = "yesterday";
  assert.ok(errorsOf(validate, badTime).some((e) => e.includes("/metadata/timestamp")));
  const badState = copy(fixture("cyclonedx.json"));
  badState.vulnerabilities.at(-1).analysis.state = "not_really";
  assert.notDeepEqual(errorsOf(validate, badState), []);
});

test("sarif.json is valid SARIF 2.1.0", () => {
  assert.deepEqual(errorsOf(sarifValidator(), fixture("sarif.json")), []);
});

test("the SARIF schema refuses broken copies", () => {
  const validate = sarifValidator();
  const badLevel = copy(fixture("sarif.json"));
  badLevel.runs[0].results[0].level = "catastrophic";
  assert.ok(errorsOf(validate, badLevel).some((e) => e.includes("/results/0/level")));
  const noDriverName = copy(fixture("sarif.json"));
  delete noDriverName.runs[0].tool.driver.name;
  assert.notDeepEqual(errorsOf(validate, noDriverName), []);
  const noMessage = copy(fixture("sarif.json"));
  delete noMessage.runs[0].results[1].message;
  assert.notDeepEqual(errorsOf(validate, noMessage), []);
  const badVersion = copy(fixture("sarif.json"));
  badVersion.version = "2.0.0";
  assert.notDeepEqual(errorsOf(validate, badVersion), []);
});

test("trivy.json and trivy-clean.json have Trivy's SchemaVersion 2 shape", () => {
  for (const name of ["trivy.json", "trivy-clean.json"]) assert.deepEqual(trivyProblems(fixture(name)), [], name);
  const findings = fixture("trivy.json").Results.flatMap((r) => r.Vulnerabilities ?? []);
  assert.ok(findings.some((v) => v.Severity === "CRITICAL" && v.FixedVersion));
  assert.ok(findings.some((v) => v.Severity === "HIGH"));
  assert.ok(findings.some((v) => v.Severity === "LOW" && !v.FixedVersion));
  assert.deepEqual(fixture("trivy-clean.json").Results.flatMap((r) => r.Vulnerabilities ?? []), []);
});

test("the Trivy shape check refuses broken copies", () => {
  const badSeverity = copy(fixture("trivy.json"));
  badSeverity.Results[0].Vulnerabilities[0].Severity = "catastrophic";
  assert.deepEqual(trivyProblems(badSeverity), ['Results[0].Vulnerabilities[0].Severity "catastrophic" is not a Trivy severity']);
  const oldSchema = copy(fixture("trivy.json"));
  oldSchema.SchemaVersion = 1;
  assert.deepEqual(trivyProblems(oldSchema), ["SchemaVersion is not 2"]);
  const noId = copy(fixture("trivy.json"));
  delete noId.Results[0].Vulnerabilities[1].VulnerabilityID;
  assert.deepEqual(trivyProblems(noId), ["Results[0].Vulnerabilities[1].VulnerabilityID is missing"]);
  assert.deepEqual(trivyProblems(fixture("trivy.json").Results), ["not an object"]);
});

test("openvex.json has OpenVEX 0.2.0's required shape", () => {
  const doc = fixture("openvex.json");
  assert.deepEqual(openVexProblems(doc), []);
  const notAffected = doc.statements.filter((s) => s.status === "not_affected");
  assert.equal(notAffected.length, 1);
  assert.equal(notAffected[0].justification, "vulnerable_code_not_in_execute_path");
  const high = fixture("trivy.json").Results[0].Vulnerabilities.filter((v) => v.Severity === "HIGH");
  assert.ok(high.some((v) => v.VulnerabilityID === notAffected[0].vulnerability.name));
});

test("the OpenVEX shape check refuses broken copies", () => {
  const badStatus = copy(fixture("openvex.json"));
  badStatus.statements[1].status = "catastrophic";
  assert.deepEqual(openVexProblems(badStatus), ['statements[1].status "catastrophic" is not an OpenVEX status']);
  const noJustification = copy(fixture("openvex.json"));
  delete noJustification.statements[0].justification;
  assert.deepEqual(openVexProblems(noJustification), ["statements[0]: not_affected without a known justification"]);
  const noAuthor = copy(fixture("openvex.json"));
  delete noAuthor.author;
  assert.deepEqual(openVexProblems(noAuthor), ["author is missing"]);
  const badContext = copy(fixture("openvex.json"));
  badContext["@context"] = "https://example.com/vex";
  assert.deepEqual(openVexProblems(badContext), ["@context is not https://openvex.dev/ns/..."]);
});
