/**
 * max-class-lines: a class may span at most `max` lines (default 300), counted like
 * ESLint's max-lines, from the `class` keyword to the closing brace, blank lines and
 * comments included. ESLint core has max-lines for a file and max-lines-per-function
 * for a function, but nothing for a class, and a class that grows past a screenful of
 * screens is the one that has started to hold two jobs (issue 16). Decorators and an
 * `export` before the keyword are not counted.
 */
const DEFAULT_MAX = 300;

/** @type {import("eslint").Rule.RuleModule} */
const maxClassLines = {
  meta: {
    type: "suggestion",
    schema: [
      {
        type: "object",
        properties: { max: { type: "integer", minimum: 1 } },
        additionalProperties: false,
      },
    ],
    messages: {
      tooLong: "Class {{name}} spans {{lines}} lines, more than {{max}}: move a cohesive part into its own class or module.",
    },
  },
  create(context) {
    const max = context.options[0]?.max ?? DEFAULT_MAX;
    function check(node) {
      const lines = node.loc.end.line - node.loc.start.line + 1;
      if (lines <= max) return;
      const name = node.id?.name ?? "(anonymous)";
      context.report({ node: node.id ?? node, messageId: "tooLong", data: { name, lines: String(lines), max: String(max) } });
    }
    return { ClassDeclaration: check, ClassExpression: check };
  },
};

export default { rules: { "max-class-lines": maxClassLines } };
