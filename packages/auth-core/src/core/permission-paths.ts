/**
 * The paths `GET /access/permissions` reports when no path is asked for, as PBS's
 * `list_permissions` (src/api2/access/mod.rs) picks them: five default paths that
 * are listed even without an ACL entry, plus every node of the ACL tree (each
 * entry's path and every path above it).
 */
export const DEFAULT_PERMISSION_PATHS: readonly string[] = Object.freeze(["/", "/access", "/datastore", "/remote", "/system"]);

// The distinct ACL paths come from a per-snapshot index and are shared: the tree is built once per list.
const memo = new WeakMap<readonly string[], readonly string[]>();

/** `aclPaths`: the distinct paths of the ACL entries, from the config's list index. */
export function listPermissionPaths(aclPaths: readonly string[]): readonly string[] {
  const cached = memo.get(aclPaths);
  if (cached !== undefined) return cached;
  const paths = new Set(DEFAULT_PERMISSION_PATHS);
  for (const aclPath of aclPaths) {
    const components = aclPath.split("/").filter((component) => component.length > 0);
    for (let depth = 1; depth <= components.length; depth++) paths.add(`/${components.slice(0, depth).join("/")}`);
  }
  const sorted = Object.freeze([...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  memo.set(aclPaths, sorted);
  return sorted;
}
