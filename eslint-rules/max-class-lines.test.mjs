// Run by `pnpm lint` (node --test): the class-size rule of eslint-rules/max-class-lines.mjs.
import { describe, it } from "node:test";
import { RuleTester } from "eslint";
import plugin from "./max-class-lines.mjs";

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

/** A class of exactly `lines` lines: the header, `lines - 2` members, the closing brace. */
function classOf(name, lines, prefix = "") {
  const members = Array.from({ length: lines - 2 }, (_, i) => `  m${i}() {}`);
  return [`${prefix}class ${name} {`, ...members, "}"].join("\n");
}

new RuleTester({ languageOptions: { ecmaVersion: 2022, sourceType: "module" } }).run("max-class-lines", plugin.rules["max-class-lines"], {
  valid: [
    { code: classOf("AtTheLimit", 300) },
    { code: classOf("Exported", 300, "export ") },
    { code: classOf("Small", 5), options: [{ max: 5 }] },
    // The lines around a class are the file's business (max-lines), not the class's.
    { code: `${"// filler\n".repeat(400)}${classOf("AfterFiller", 10)}` },
  ],
  invalid: [
    {
      code: classOf("OneTooMany", 301),
      errors: [{ messageId: "tooLong", data: { name: "OneTooMany", lines: "301", max: "300" } }],
    },
    {
      code: classOf("ExportedTooMany", 301, "export default "),
      errors: [{ messageId: "tooLong", data: { name: "ExportedTooMany", lines: "301", max: "300" } }],
    },
    {
      code: `const Anonymous = ${classOf("", 7)};`.replace("class  {", "class {"),
      options: [{ max: 6 }],
      errors: [{ messageId: "tooLong", data: { name: "(anonymous)", lines: "7", max: "6" } }],
    },
  ],
});
