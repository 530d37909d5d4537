import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import pluginQuery from "@tanstack/eslint-plugin-query";
import globals from "globals";
import path from "node:path";
import authCoreLayers from "./eslint-rules/auth-core-layers.mjs";
import maxClassLines from "./eslint-rules/max-class-lines.mjs";

const WEB_SRC = path.join(import.meta.dirname, "apps/web/src");
const WEB_FEATURES = path.join(WEB_SRC, "features");
const WEB_APP = path.join(WEB_SRC, "app");

/** The feature folder `file` lies in (`users` for features/users/api/x.ts), or null. */
function webFeatureOf(file) {
  const relative = path.relative(WEB_FEATURES, file);
  if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) return null;
  return relative.split(path.sep)[0] ?? null;
}

/**
 * The console's layering: a feature imports only its own files, lib/ and
 * components/; only app/ puts features together. Checked on the resolved path of
 * every relative import, so `../../tokens/api/x.js` is caught at any depth.
 */
const webBoundaries = {
  rules: {
    "feature-imports": {
      meta: {
        type: "problem",
        schema: [],
        messages: {
          crossFeature:
            "features/{{from}} may not import features/{{to}}: move the shared part to lib/ or components/, or compose them in app/.",
          outsideApp: "Only app/ imports features; features/{{to}} is imported from outside app/.",
        },
      },
      create(context) {
        const file = context.filename;
        const ownFeature = webFeatureOf(file);
        const inApp = !path.relative(WEB_APP, file).startsWith("..");
        function check(node) {
          const specifier = node.source?.value;
          if (typeof specifier !== "string" || !specifier.startsWith(".")) return;
          const targetFeature = webFeatureOf(path.resolve(path.dirname(file), specifier));
          if (targetFeature === null || targetFeature === ownFeature) return;
          if (ownFeature !== null) {
            context.report({ node: node.source, messageId: "crossFeature", data: { from: ownFeature, to: targetFeature } });
          } else if (!inApp) {
            context.report({ node: node.source, messageId: "outsideApp", data: { to: targetFeature } });
          }
        }
        return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
      },
    },
  },
};

export default tseslint.config(
  {
    ignores: [
      "**/dist/**",
      "**/dist-types/**",
      "**/node_modules/**",
      "data/**",
      ".test-data/**",
      "test-results/**",
      "playwright-report/**",
      "e2e/.data/**",
      "**/*.config.ts",
      "vitest.node-project.ts",
      "eslint.config.js",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false, attributes: false } }],
    },
  },
  {
    // Plain JavaScript helper scripts sit outside every tsconfig: lint them without types.
    files: ["**/*.mjs"],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // auth-core's layers point one way and no module imports itself back (decision 034).
    files: ["packages/auth-core/src/**/*.ts"],
    plugins: { "auth-core-layers": authCoreLayers },
    rules: { "auth-core-layers/layer-direction": "error", "auth-core-layers/no-cycle": "error" },
  },
  {
    // Issue 16's size rule: no auth-core source file over 400 lines, no class over 300,
    // every line counted. A module that outgrows it has a seam to split along.
    files: ["packages/auth-core/src/**/*.ts"],
    ignores: ["**/*.test.ts"],
    plugins: { "max-class-lines": maxClassLines },
    rules: {
      "max-lines": ["error", { max: 400, skipBlankLines: false, skipComments: false }],
      "max-class-lines/max-class-lines": ["error", { max: 300 }],
    },
  },
  {
    files: ["apps/web/**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { "react-hooks": reactHooks, "@tanstack/query": pluginQuery, "web-boundaries": webBoundaries },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...pluginQuery.configs.recommended.rules,
      "web-boundaries/feature-imports": "error",
    },
  },
);
