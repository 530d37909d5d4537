// Adds up the vitest and Playwright JSON reports into one closing line of the form
// "tests: N passed, N failed, N skipped", so a CI log ends with a single verdict.
import { existsSync, readFileSync } from "node:fs";
import { stripVTControlCharacters } from "node:util";

function readJson(path) {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}

/** The first few lines of a failure message, without ANSI colour codes. */
function firstLines(text, count = 6) {
  return stripVTControlCharacters(text ?? "")
    .split("\n")
    .slice(0, count)
    .join("\n    ");
}

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];

const vitest = readJson("test-results/vitest-results.json");
if (vitest) {
  passed += vitest.numPassedTests ?? 0;
  failed += (vitest.numFailedTests ?? 0) + (vitest.numRuntimeErrorTestSuites ?? 0);
  skipped += (vitest.numPendingTests ?? 0) + (vitest.numTodoTests ?? 0);
  console.log(`vitest: ${vitest.numPassedTests} passed, ${vitest.numFailedTests} failed, ${vitest.numPendingTests} skipped`);
  // Name each failure here too: a CI log is often read from its tail only, and the
  // reporter's own failure section sits thousands of lines above this one.
  for (const file of vitest.testResults ?? []) {
    const failedTests = (file.assertionResults ?? []).filter((t) => t.status === "failed");
    if (failedTests.length === 0 && file.status === "failed") {
      console.log(`  FAILED ${file.name}: ${firstLines(file.message)}`);
    }
    for (const t of failedTests) {
      console.log(`  FAILED ${file.name} > ${t.fullName}: ${firstLines((t.failureMessages ?? []).join("\n"))}`);
    }
  }
} else {
  missing.push("vitest");
}

const e2e = readJson("test-results/e2e-results.json");
if (e2e?.stats) {
  const s = e2e.stats;
  passed += (s.expected ?? 0) + (s.flaky ?? 0);
  failed += s.unexpected ?? 0;
  skipped += s.skipped ?? 0;
  console.log(
    `playwright: ${(s.expected ?? 0) + (s.flaky ?? 0)} passed (${s.flaky ?? 0} flaky), ${s.unexpected ?? 0} failed, ${s.skipped ?? 0} skipped`,
  );
  const walk = (suite, trail) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status !== "unexpected") continue;
        const error = (test.results ?? []).map((r) => r.error?.message).find(Boolean);
        console.log(`  FAILED ${[...trail, spec.title].join(" > ")}: ${firstLines(error)}`);
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...trail, child.title]);
  };
  for (const suite of e2e.suites ?? []) walk(suite, [suite.title]);
} else {
  missing.push("playwright");
}

if (missing.length > 0) console.log(`no report from: ${missing.join(", ")} (counted as a failure)`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || missing.length > 0 ? 1 : 0);
