/**
 * The accessibility check of issue 18: axe-core with the WCAG 2.2 AA rule set, failing
 * on any violation. The failure lists each rule with the elements it hit, so a red run
 * says what to fix without opening the trace.
 */
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, type TestInfo } from "@playwright/test";

/** Every level-A and level-AA rule up to WCAG 2.2; nothing best-practice or AAA. */
export const WCAG_22_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] as const;

export async function expectNoAxeViolations(page: Page, testInfo: TestInfo, state: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags([...WCAG_22_AA_TAGS]).analyze();
  const found = results.violations.map((violation) => {
    const nodes = violation.nodes.map((node) => `    ${node.target.join(" ")}: ${node.failureSummary ?? ""}`.replace(/\n\s*/g, " "));
    return `${violation.id} (${violation.impact ?? "unknown"}): ${violation.help}\n${nodes.join("\n")}`;
  });
  if (found.length > 0) {
    await testInfo.attach(`axe ${state}`, { body: JSON.stringify(results.violations, null, 2), contentType: "application/json" });
  }
  // What axe could not decide alone (e.g. contrast over an image) needs a human look, not a red run.
  if (results.incomplete.length > 0) {
    await testInfo.attach(`axe ${state}, needs review`, {
      body: JSON.stringify(results.incomplete, null, 2),
      contentType: "application/json",
    });
  }
  // The state's name is part of the message: one test checks several states.
  expect(found, `axe violations on "${state}"`).toEqual([]);
  // An empty pass must mean axe looked at the page, not that it saw nothing.
  expect(results.passes.length, `axe found nothing to check on "${state}"`).toBeGreaterThan(0);
}
