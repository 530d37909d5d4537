/**
 * Root query keys of the server resources. Features build their own keys under these
 * roots, and a mutation that changes another feature's resource (deleting a user
 * deletes its tokens and ACL entries) invalidates that root: features may not import
 * each other, and TanStack Query invalidates by key prefix.
 */
export const accessKeys = {
  users: ["access", "users"],
  acl: ["access", "acl"],
  permissions: ["access", "permissions"],
  domains: ["access", "domains"],
  roles: ["access", "roles"],
} as const;
