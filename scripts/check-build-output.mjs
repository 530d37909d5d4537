// Fails when a project that emits into a package's dist/ would compile a test or a
// test harness: dist/ is what ships (decision 005), and tests, their harnesses and
// the "@gatehouse/auth-core/testing" entry are type-checked in projects of their own.
// It asks tsc for each shipping project's file list rather than reading dist/, so
// stale output from an older build does not count.
import { execFileSync } from "node:child_process";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const shippingProjects = [
  "packages/auth-core/tsconfig.src.json",
  "packages/client/tsconfig.src.json",
  "apps/bff/tsconfig.src.json",
  "apps/bff/tsconfig.cli.json",
];
const testOnly = /(\.test\.tsx?$|\/test-support\/|\/testing\/|\/reliability\/|\/multi-node\/)/;
const tsc = resolve(root, "node_modules/typescript/bin/tsc");

let offending = [];
for (const project of shippingProjects) {
  const listed = execFileSync(process.execPath, [tsc, "-p", project, "--listFilesOnly"], { cwd: root, encoding: "utf8" });
  const projectDir = resolve(root, dirname(project));
  for (const file of listed.split("\n")) {
    if (file.startsWith(`${projectDir}/src/`) && testOnly.test(file)) offending.push(`${project}: ${relative(root, file)}`);
  }
}
if (offending.length > 0) {
  console.error(`These test files or harnesses would be compiled into a dist/ that ships:\n${offending.join("\n")}`);
  process.exit(1);
}
console.log(`${shippingProjects.length} shipping projects compile no test and no harness into dist/.`);
