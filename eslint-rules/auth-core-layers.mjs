/**
 * auth-core's layering (docs/design.md "Where each rule lives", decision 034), checked
 * by eslint on every relative import of packages/auth-core/src:
 * - layer-direction: core <- crypto, cache, guard <- store (file/, postgres/) <- access
 *   and tfa. A layer imports its own folder and the layers before it, never a later one
 *   or a sibling. Files outside the layer folders (index.ts, test-support/, testing/)
 *   are not layers: anything may import the fakes, and they may import anything.
 *   Tests are exempt: one may drive the facade to test its layer's part in it.
 * - no-cycle: no module takes part in an import cycle, type-only imports included,
 *   because a cycle means two files share a definition that belongs in a third.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const SRC = path.join(import.meta.dirname, "../packages/auth-core/src");
const RANK = { core: 0, crypto: 1, cache: 1, guard: 1, store: 2, "store/file": 2, "store/postgres": 2, access: 3, tfa: 3 };
/** Pairs of one rank that may import each other: tfa asks the ACL, and the facade runs tfa. */
const PEERS = new Set(["access>tfa", "tfa>access", "store/file>store", "store/postgres>store"]);

/** The layer `file` lies in (`store/file` for src/store/file/x.ts), or null outside the layers. */
function layerOf(file) {
  const relative = path.relative(SRC, file);
  if (relative.startsWith("..") || path.isAbsolute(relative)) return null;
  const parts = relative.split(path.sep);
  if (parts.length < 2) return null;
  const nested = `${parts[0]}/${parts[1]}`;
  if (parts.length > 2 && nested in RANK) return nested;
  return parts[0] in RANK ? parts[0] : null;
}

function isInSrc(file) {
  const relative = path.relative(SRC, file);
  return !relative.startsWith("..") && !path.isAbsolute(relative);
}

/** The .ts file a relative specifier names (`./x.js` is `./x.ts` in the sources). */
function resolveSpecifier(fromFile, specifier) {
  const resolved = path.resolve(path.dirname(fromFile), specifier);
  const asTs = resolved.replace(/\.js$/, ".ts");
  return existsSync(asTs) ? asTs : resolved;
}

const IMPORT_PATTERN = /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*"(\.{1,2}\/[^"]+)"/g;

function listSources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return listSources(full);
    return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [full] : [];
  });
}

let cyclic = null;
/** Every module of src that lies on an import cycle, mapped to its strongly connected component. */
function cyclicModules() {
  if (cyclic !== null) return cyclic;
  const graph = new Map();
  for (const file of listSources(SRC)) {
    const targets = [...readFileSync(file, "utf8").matchAll(IMPORT_PATTERN)].map((m) => resolveSpecifier(file, m[1]));
    graph.set(file, targets);
  }
  // Tarjan's strongly connected components.
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  cyclic = new Map();
  function visit(node) {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node), low.get(target)));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node), index.get(target)));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component = new Set();
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.add(member);
    } while (member !== node);
    if (component.size > 1) for (const file of component) cyclic.set(file, component);
  }
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cyclic;
}

function relativeSpecifiers(context, check) {
  function onNode(node) {
    const specifier = node.source?.value;
    if (typeof specifier === "string" && specifier.startsWith(".")) check(node, specifier);
  }
  return { ImportDeclaration: onNode, ExportNamedDeclaration: onNode, ExportAllDeclaration: onNode, ImportExpression: onNode };
}

export default {
  rules: {
    "layer-direction": {
      meta: {
        type: "problem",
        schema: [],
        messages: {
          upward:
            "auth-core's {{from}}/ may not import {{to}}/: layers point one way (core <- crypto, cache, guard <- store <- access). Move the shared part down, or pass it in.",
        },
      },
      create(context) {
        // Tests may drive the whole facade to test a lower layer's part in it.
        if (context.filename.endsWith(".test.ts")) return {};
        const from = layerOf(context.filename);
        if (from === null) return {};
        return relativeSpecifiers(context, (node, specifier) => {
          const to = layerOf(path.resolve(path.dirname(context.filename), specifier));
          if (to === null || to === from || RANK[to] < RANK[from] || PEERS.has(`${from}>${to}`)) return;
          context.report({ node: node.source, messageId: "upward", data: { from, to } });
        });
      },
    },
    "no-cycle": {
      meta: {
        type: "problem",
        schema: [],
        messages: {
          cycle: "This import closes an import cycle among {{members}}: move what they share into a module of its own.",
        },
      },
      create(context) {
        const file = context.filename;
        if (!isInSrc(file) || file.endsWith(".test.ts")) return {};
        const component = cyclicModules().get(file);
        if (component === undefined) return {};
        const members = [...component].map((member) => path.relative(SRC, member)).join(", ");
        return relativeSpecifiers(context, (node, specifier) => {
          if (component.has(resolveSpecifier(file, specifier)))
            context.report({ node: node.source, messageId: "cycle", data: { members } });
        });
      },
    },
  },
};
