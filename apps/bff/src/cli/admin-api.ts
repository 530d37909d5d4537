/**
 * What the admin CLI's commands need, from either side: the data dir (acting as
 * SYSTEM_ACTOR, as whoever can read the data dir can do anything anyway) or a
 * running server over HTTPS through @gatehouse/client (acting as the logged-in
 * user or token, with that caller's privileges).
 */
import { SYSTEM_ACTOR, type AccessControl, type AclView, type RoleId, type TokenView, type UserView } from "@gatehouse/auth-core";
import type { CreateUserParams, GatehouseClient } from "@gatehouse/client";
import type { NodeTransport } from "@gatehouse/client/node";

export interface AclChange {
  path: string;
  authId: string;
  role: RoleId;
  propagate: boolean;
  delete: boolean;
}

export interface AdminApi {
  listUsers(): Promise<UserView[]>;
  createUser(input: CreateUserParams): Promise<void>;
  setPassword(userid: string, password: string): Promise<void>;
  setUserEnabled(userid: string, enable: boolean): Promise<void>;
  deleteUser(userid: string): Promise<void>;
  endSessions(userid: string): Promise<void>;
  /** One user's tokens, or every token the caller may see. */
  listTokens(userid?: string): Promise<TokenView[]>;
  createToken(
    userid: string,
    tokenName: string,
    options: { enable: boolean; expire?: number; comment?: string },
  ): Promise<{ tokenid: string; value: string }>;
  regenerateToken(userid: string, tokenName: string): Promise<{ tokenid: string; secret: string }>;
  setTokenEnabled(userid: string, tokenName: string, enable: boolean): Promise<void>;
  deleteToken(userid: string, tokenName: string): Promise<void>;
  readAcl(path?: string): Promise<AclView[]>;
  updateAcl(change: AclChange): Promise<void>;
  close(): Promise<void>;
}

/** The data dir's store, changed in this process under the store lock. */
export function createLocalAdminApi(ac: AccessControl): AdminApi {
  return {
    listUsers: async () => (await ac.listUsers(SYSTEM_ACTOR, { includeTokens: false })).data,
    createUser: (input) => ac.createUser(SYSTEM_ACTOR, input),
    setPassword: (userid, password) => ac.setPassword(SYSTEM_ACTOR, userid, password),
    setUserEnabled: (userid, enable) => ac.updateUser(SYSTEM_ACTOR, userid, { enable }),
    deleteUser: (userid) => ac.deleteUser(SYSTEM_ACTOR, userid),
    endSessions: (userid) => ac.endSessions(SYSTEM_ACTOR, userid),
    listTokens: async (userid) =>
      userid === undefined
        ? (await ac.listUsers(SYSTEM_ACTOR, { includeTokens: true })).data.flatMap((user) => user.tokens ?? [])
        : (await ac.listTokens(SYSTEM_ACTOR, userid)).data,
    createToken: (userid, tokenName, options) => ac.createToken(SYSTEM_ACTOR, userid, tokenName, options),
    async regenerateToken(userid, tokenName) {
      const rotated = await ac.updateToken(SYSTEM_ACTOR, userid, tokenName, { regenerate: true });
      if (rotated === null) throw new Error("regenerate returned no secret");
      return rotated;
    },
    setTokenEnabled: async (userid, tokenName, enable) => {
      await ac.updateToken(SYSTEM_ACTOR, userid, tokenName, { enable });
    },
    deleteToken: (userid, tokenName) => ac.deleteToken(SYSTEM_ACTOR, userid, tokenName),
    readAcl: async (path) => (await ac.readAcl(SYSTEM_ACTOR, path === undefined ? {} : { path })).data,
    updateAcl: (change) => ac.updateAcl(SYSTEM_ACTOR, change),
    close: () => ac.close(),
  };
}

/**
 * A running server, through the client; the server checks the caller's privileges.
 * `loginPassword`, when the CLI logged in with one, confirms password changes
 * (PBS's `confirmation-password`).
 */
export function createRemoteAdminApi(client: GatehouseClient, transport: NodeTransport, loginPassword?: string): AdminApi {
  return {
    listUsers: async () => (await client.listUsers()).data,
    createUser: (input) => client.createUser(input),
    setPassword: (userid, password) => client.setPassword(userid, password, loginPassword),
    setUserEnabled: (userid, enable) => client.updateUser(userid, { enable }),
    deleteUser: (userid) => client.deleteUser(userid),
    endSessions: (userid) => client.endSessions(userid),
    listTokens: async (userid) =>
      userid === undefined
        ? (await client.listUsers({ include_tokens: true })).data.flatMap((user) => user.tokens ?? [])
        : (await client.listTokens(userid)).data,
    createToken: (userid, tokenName, options) => client.createToken(userid, tokenName, options),
    regenerateToken: (userid, tokenName) => client.regenerateToken(userid, tokenName),
    setTokenEnabled: (userid, tokenName, enable) => client.updateToken(userid, tokenName, { enable }),
    deleteToken: (userid, tokenName) => client.deleteToken(userid, tokenName),
    readAcl: async (path) => (await client.readAcl(path === undefined ? {} : { path })).data,
    updateAcl: (change) =>
      client.updateAcl({
        path: change.path,
        "auth-id": change.authId,
        role: change.role,
        propagate: change.propagate,
        delete: change.delete,
      }),
    async close() {
      await transport.close();
    },
  };
}
