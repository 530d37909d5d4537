/** The API token operations of the facade: listings, create, update and rotation, delete, and the quotas. */
import { requireAuthorityOverAccount } from "./account-authority.js";
import { nowEpochSeconds } from "../core/clock.js";
import { deleteTokenFromState, ownerOfTokenId, requireToken, requireUser, toTokenView } from "./config-queries.js";
import { readConfigListIndex } from "./config-index.js";
import { mapInSlices } from "../guard/cooperative.js";
import { ConflictError } from "../core/errors.js";
import { requireTokenQuota, tokensToCount } from "./token-quota.js";
import {
  requireDeletable,
  requireExpire,
  requireTextFields,
  requireTokenId,
  requireUserid,
  TOKEN_TEXT_FIELDS,
} from "../core/input-rules.js";
import { isExtendedListQuery, requireListQuery, selectTokens, TOKEN_SORT_KEYS } from "./listing.js";
import type { TokenListQuery } from "./listing.js";
import type { AccessConfig, TokenRecord } from "../core/model.js";
import { generateTokenSecret } from "../crypto/token-secret.js";
import { describeTokenUpdate } from "./access-audit.js";
import { requireRotationGrace, rotateTokenSecret } from "./token-rotation.js";
import type { AccessControlOptions, AuthContext, CreateTokenInput, TokenListRow, TokenView, UpdateTokenInput } from "./types.js";

import type { AccessServices } from "./services.js";
import type { AuthorizedChanges } from "./authorize.js";
import type { Authenticator } from "./authenticator.js";
import { filterUnused, toTokenListRow } from "./views.js";

import { requirePositiveInteger } from "./services.js";

export const DEFAULT_MAX_TOKENS_PER_USER = 100;
export const DEFAULT_MAX_TOKENS = 200_000;

export class Tokens {
  private readonly maxTokensPerUser: number;
  private readonly maxTokens: number;

  constructor(
    private readonly services: AccessServices,
    private readonly authorize: AuthorizedChanges,
    private readonly authenticator: Authenticator,
    options: Pick<AccessControlOptions, "maxTokensPerUser" | "maxTokens">,
  ) {
    this.maxTokensPerUser = requirePositiveInteger("maxTokensPerUser", options.maxTokensPerUser ?? DEFAULT_MAX_TOKENS_PER_USER);
    this.maxTokens = requirePositiveInteger("maxTokens", options.maxTokens ?? DEFAULT_MAX_TOKENS);
  }

  /** PBS's listing of one user's tokens; with any `query` parameter, filtered, sorted and paged as listUsers. */
  async listTokens(
    actor: AuthContext,
    userid: string,
    query?: TokenListQuery,
    unusedForDays?: number,
  ): Promise<{ data: TokenView[]; digest: string; total?: number }> {
    const id = requireUserid(userid).userid;
    const checked = requireListQuery(query ?? {}, TOKEN_SORT_KEYS);
    const { config } = await this.services.readCurrentConfig();
    const digest = await this.authorize.digestFor(actor, config, "users");
    this.authorize.requireTokenReadAccess(actor, config, id);
    requireUser(config, id);
    const owned = (await readConfigListIndex(config)).tokensByOwner.get(id) ?? [];
    if (!isExtendedListQuery(checked) && unusedForDays === undefined) return { data: owned.map(toTokenView), digest };
    return { ...(await this.selectTokenRows(config, owned, checked, unusedForDays)), digest };
  }

  /**
   * Every token the actor may see, across users (a Gatehouse extension): all of
   * them with Sys.Audit on `/access/users`, else the tokens of the actor's own
   * user. Each row carries `status`; filtered, sorted and paged as listUsers.
   */
  async listAllTokens(
    actor: AuthContext,
    query?: TokenListQuery,
    unusedForDays?: number,
  ): Promise<{ data: TokenListRow[]; digest: string; total?: number }> {
    const checked = requireListQuery(query ?? {}, TOKEN_SORT_KEYS);
    const { config } = await this.services.readCurrentConfig();
    const digest = await this.authorize.digestFor(actor, config, "users");
    const index = await readConfigListIndex(config);
    const seesEveryone = this.authorize.hasActorPrivilege(actor, config, "/access/users", "Sys.Audit");
    const visible = seesEveryone ? index.tokens : (index.tokensByOwner.get(actor.userid) ?? []);
    return { ...(await this.selectTokenRows(config, visible, checked, unusedForDays)), digest };
  }

  private async selectTokenRows(
    config: AccessConfig,
    tokens: readonly TokenRecord[],
    query: TokenListQuery,
    unusedForDays: number | undefined,
  ): Promise<{ data: TokenListRow[]; total?: number }> {
    const nowS = nowEpochSeconds(this.services.clock);
    const lastUses = await this.services.readLastUses();
    const candidates = unusedForDays === undefined ? tokens : await filterUnused(tokens, (t) => t.tokenid, lastUses, unusedForDays, nowS);
    const { rows, total } = await selectTokens(config, candidates, query, nowS, ownerOfTokenId);
    const data = await mapInSlices(rows, (token) => toTokenListRow(config, token, nowS, lastUses));
    return query.limit === undefined ? { data } : { data, total };
  }

  /** One token as an extended listing row: status, created, last use and overlap (decision 033). */
  async readToken(actor: AuthContext, userid: string, tokenName: string): Promise<{ data: TokenListRow; digest: string }> {
    const tokenid = requireTokenId(userid, tokenName);
    const { config } = await this.services.readCurrentConfig();
    const digest = await this.authorize.digestFor(actor, config, "users");
    this.authorize.requireTokenReadAccess(actor, config, tokenid.userid);
    const token = requireToken(config, tokenid.authid);
    return { data: toTokenListRow(config, token, nowEpochSeconds(this.services.clock), await this.services.readLastUses()), digest };
  }

  /** The secret is returned only here and on regenerate. */
  async createToken(
    actor: AuthContext,
    userid: string,
    tokenName: string,
    input: CreateTokenInput,
  ): Promise<{ tokenid: string; value: string }> {
    const tokenid = requireTokenId(userid, tokenName);
    const record: TokenRecord = {
      tokenid: tokenid.authid,
      enable: input.enable ?? true,
      expire: input.expire === undefined ? 0 : requireExpire(input.expire),
      ...requireTextFields(input, TOKEN_TEXT_FIELDS),
      created: nowEpochSeconds(this.services.clock),
    };
    await this.authorize.requireAccountAuthority(actor, tokenid.userid, "manage-tokens");
    // Checked before the hash too, so a user at its quota cannot make us pay for one.
    this.requireTokenQuota((await this.services.readCurrentConfig()).config, tokenid.userid);
    const secret = generateTokenSecret();
    const hash = await this.services.hashSecret(actor, secret);
    await this.services.store.mutate(
      (state) => {
        requireAuthorityOverAccount(state.config, actor, tokenid.userid, "manage-tokens");
        requireUser(state.config, tokenid.userid);
        if (Object.hasOwn(state.config.tokens, tokenid.authid)) {
          throw new ConflictError(`token '${tokenid.authid}' already exists`);
        }
        this.requireTokenQuota(state.config, tokenid.userid);
        state.config.tokens[tokenid.authid] = record;
        state.tokenHashes[tokenid.authid] = hash;
      },
      { audit: [this.services.audit.event(actor, "token.create", tokenid.authid)] },
    );
    return { tokenid: tokenid.authid, value: secret };
  }

  /** Returns `{tokenid, secret}` when `regenerate` was set, else null. */
  async updateToken(
    actor: AuthContext,
    userid: string,
    tokenName: string,
    input: UpdateTokenInput,
  ): Promise<{ tokenid: string; secret: string } | null> {
    const tokenid = requireTokenId(userid, tokenName);
    const expire = input.expire === undefined ? undefined : requireExpire(input.expire);
    const text = requireTextFields(input, TOKEN_TEXT_FIELDS);
    const cleared = requireDeletable(input.delete, TOKEN_TEXT_FIELDS);
    const graceS = requireRotationGrace(input.grace, input.regenerate === true);
    await this.authorize.requireAccountAuthority(actor, tokenid.userid, "manage-tokens");
    const secret = input.regenerate === true ? generateTokenSecret() : null;
    const hash = secret === null ? null : await this.services.hashSecret(actor, secret);
    const audit = describeTokenUpdate(this.services.audit, actor, tokenid.authid, input, graceS);
    const versionsAfter = await this.authorize.mutateWithDigest(
      input.digest,
      (state) => {
        requireAuthorityOverAccount(state.config, actor, tokenid.userid, "manage-tokens");
        const token = requireToken(state.config, tokenid.authid);
        if (input.enable !== undefined) token.enable = input.enable;
        if (expire !== undefined) token.expire = expire;
        for (const field of cleared) delete token[field];
        Object.assign(token, text);
        if (hash !== null) rotateTokenSecret(state, token, hash, graceS, nowEpochSeconds(this.services.clock));
      },
      actor,
      audit,
    );
    if (secret === null) return null;
    await this.authenticator.cacheIssuedSecret(tokenid.authid, secret, versionsAfter);
    return { tokenid: tokenid.authid, secret };
  }

  /** Also removes the token's ACL entries. */
  async deleteToken(actor: AuthContext, userid: string, tokenName: string, digest?: string): Promise<void> {
    const tokenid = requireTokenId(userid, tokenName);
    await this.authorize.requireAccountAuthority(actor, tokenid.userid, "manage-tokens");
    await this.authorize.mutateWithDigest(
      digest,
      (state) => {
        requireAuthorityOverAccount(state.config, actor, tokenid.userid, "manage-tokens");
        requireToken(state.config, tokenid.authid);
        deleteTokenFromState(state, tokenid.authid);
      },
      actor,
      [this.services.audit.event(actor, "token.delete", tokenid.authid)],
    );
  }

  /** Refuses a new token past the per-user or the total quota (finding 6; access/token-quota.ts). */
  private requireTokenQuota(config: AccessConfig, userid: string): void {
    requireTokenQuota(tokensToCount(config), userid, { maxTokensPerUser: this.maxTokensPerUser, maxTokens: this.maxTokens });
  }
}
