/**
 * The SQL text of the PostgreSQL backend for one schema. The schema name is the
 * only thing ever spliced into SQL, so it is checked against a strict pattern
 * here, once; every value travels as a bind parameter.
 */

/** One NOTIFY channel for every schema: the payload names its schema, and listeners filter on it. */
export const GENERATIONS_CHANNEL = "gatehouse_generations";

export const DEFAULT_POSTGRES_SCHEMA = "gatehouse";

/** Lower-case only, so that the quoted name and the name as PostgreSQL folds it are the same. */
const SCHEMA_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresSql {
  schema: string;
  /** `"schema"`, ready to prefix table names. */
  quotedSchema: string;
  readGenerations: string;
  lockGenerations: string;
  bumpGenerations: string;
  readConfig: string;
  readState: string;
  readTokenHash: string;
  readConfigRows: string;
  readTokenHashRows: string;
  readPasswordHashRows: string;
  readPasswordHash: string;
  upsertUsers: string;
  deleteUsers: string;
  upsertTokens: string;
  deleteTokens: string;
  upsertTokenHashes: string;
  deleteTokenHashes: string;
  upsertPasswordHashes: string;
  deletePasswordHashes: string;
  clearAcl: string;
  insertAcl: string;
  readKeys: string;
  insertKeys: string;
  insertAudit: string;
  upsertLastUsed: string;
  readLastUsed: string;
}

export function isPostgresSchemaName(name: string): boolean {
  return SCHEMA_NAME_PATTERN.test(name);
}

/** Throws for a bad name: it comes from configuration, not from a request. */
export function createPostgresSql(schema: string): PostgresSql {
  if (!isPostgresSchemaName(schema)) {
    throw new TypeError(
      `PostgreSQL schema name ${JSON.stringify(schema)} is invalid: use 1-63 characters of a-z, 0-9 and _, not starting with a digit`,
    );
  }
  const s = `"${schema}"`;
  // Aggregates run inside one statement, so users, tokens, ACL and the generations come from one snapshot.
  const configColumns = `
    (SELECT coalesce(json_agg(u ORDER BY u.userid COLLATE "C"), '[]'::json) FROM ${s}.users u) AS users,
    (SELECT coalesce(json_agg(t ORDER BY t.tokenid COLLATE "C"), '[]'::json) FROM ${s}.tokens t) AS tokens,
    (SELECT coalesce(json_agg(a ORDER BY a.position), '[]'::json) FROM ${s}.acl a) AS acl`;
  return {
    schema,
    quotedSchema: s,
    readGenerations: `SELECT secrets::text AS secrets, config::text AS config FROM ${s}.generations`,
    lockGenerations: `SELECT secrets::text AS secrets, config::text AS config FROM ${s}.generations FOR UPDATE`,
    // The notification is queued by the same transaction, so PostgreSQL delivers it only if the bump commits.
    // `changed` names what the mutation touched (or is null when that would not fit a notification), decision 012.
    bumpGenerations: `
      WITH bumped AS (
        UPDATE ${s}.generations SET secrets = secrets + $1::bigint, config = config + $2::bigint
        RETURNING secrets, config
      )
      SELECT secrets::text AS secrets, config::text AS config,
        pg_notify('${GENERATIONS_CHANNEL}',
          json_build_object('schema', $3::text, 'secrets', secrets::text, 'config', config::text, 'changed', $4::json)::text)
      FROM bumped`,
    readConfig: `SELECT g.secrets::text AS secrets, g.config::text AS config, ${configColumns} FROM ${s}.generations g`,
    readState: `
      SELECT g.secrets::text AS secrets, g.config::text AS config, ${configColumns},
        (SELECT coalesce(json_agg(json_build_array(h.authid, h.hash)), '[]'::json) FROM ${s}.token_hashes h) AS token_hashes,
        (SELECT coalesce(json_agg(json_build_array(p.userid, p.hash)), '[]'::json) FROM ${s}.password_hashes p) AS password_hashes
      FROM ${s}.generations g`,
    // The named rows only (decision 014): a node catching up reads what a change named, not the whole config.
    readConfigRows: `
      SELECT g.secrets::text AS secrets, g.config::text AS config,
        (SELECT coalesce(json_agg(u), '[]'::json) FROM ${s}.users u WHERE u.userid = ANY($1::text[])) AS users,
        (SELECT coalesce(json_agg(t), '[]'::json) FROM ${s}.tokens t WHERE t.tokenid = ANY($2::text[])) AS tokens,
        CASE WHEN $3::boolean THEN (SELECT coalesce(json_agg(a ORDER BY a.position), '[]'::json) FROM ${s}.acl a) END AS acl
      FROM ${s}.generations g`,
    // NULL for $1 reads every row (a change that enumerated the map).
    readTokenHashRows: `SELECT authid AS key, hash FROM ${s}.token_hashes WHERE $1::text[] IS NULL OR authid = ANY($1::text[])`,
    readPasswordHashRows: `SELECT userid AS key, hash FROM ${s}.password_hashes WHERE $1::text[] IS NULL OR userid = ANY($1::text[])`,
    readTokenHash: `
      SELECT g.secrets::text AS secrets, g.config::text AS config,
        (SELECT h.hash FROM ${s}.token_hashes h WHERE h.authid = $1) AS hash
      FROM ${s}.generations g`,
    readPasswordHash: `
      SELECT g.secrets::text AS secrets, g.config::text AS config,
        (SELECT p.hash FROM ${s}.password_hashes p WHERE p.userid = $1) AS hash
      FROM ${s}.generations g`,
    upsertUsers: `
      INSERT INTO ${s}.users (userid, enable, expire, comment, firstname, lastname, email, tickets_not_before, created)
      SELECT * FROM unnest($1::text[], $2::boolean[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[],
        $9::bigint[])
      ON CONFLICT (userid) DO UPDATE SET enable = EXCLUDED.enable, expire = EXCLUDED.expire,
        comment = EXCLUDED.comment, firstname = EXCLUDED.firstname, lastname = EXCLUDED.lastname, email = EXCLUDED.email,
        tickets_not_before = EXCLUDED.tickets_not_before, created = EXCLUDED.created`,
    deleteUsers: `DELETE FROM ${s}.users WHERE userid = ANY($1::text[])`,
    upsertTokens: `
      INSERT INTO ${s}.tokens (tokenid, enable, expire, comment, created, previous_secret_until)
      SELECT * FROM unnest($1::text[], $2::boolean[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[])
      ON CONFLICT (tokenid) DO UPDATE SET enable = EXCLUDED.enable, expire = EXCLUDED.expire, comment = EXCLUDED.comment,
        created = EXCLUDED.created, previous_secret_until = EXCLUDED.previous_secret_until`,
    deleteTokens: `DELETE FROM ${s}.tokens WHERE tokenid = ANY($1::text[])`,
    upsertTokenHashes: `
      INSERT INTO ${s}.token_hashes (authid, hash) SELECT * FROM unnest($1::text[], $2::text[])
      ON CONFLICT (authid) DO UPDATE SET hash = EXCLUDED.hash`,
    deleteTokenHashes: `DELETE FROM ${s}.token_hashes WHERE authid = ANY($1::text[])`,
    upsertPasswordHashes: `
      INSERT INTO ${s}.password_hashes (userid, hash) SELECT * FROM unnest($1::text[], $2::text[])
      ON CONFLICT (userid) DO UPDATE SET hash = EXCLUDED.hash`,
    deletePasswordHashes: `DELETE FROM ${s}.password_hashes WHERE userid = ANY($1::text[])`,
    clearAcl: `DELETE FROM ${s}.acl`,
    insertAcl: `
      INSERT INTO ${s}.acl (position, path, ugid, roleid, propagate)
      SELECT * FROM unnest($1::integer[], $2::text[], $3::text[], $4::text[], $5::boolean[])`,
    readKeys: `SELECT ticket_private_key_pem, ticket_public_key_pem, csrf_key_base64 FROM ${s}.shared_keys`,
    insertKeys: `
      INSERT INTO ${s}.shared_keys (id, ticket_private_key_pem, ticket_public_key_pem, csrf_key_base64)
      VALUES (true, $1, $2, $3) ON CONFLICT (id) DO NOTHING`,
    insertAudit: `
      INSERT INTO ${s}.audit (time, actor, source, action, target, outcome, request_id, detail)
      SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
    // Nodes merge by latest: an older batch arriving late changes nothing.
    upsertLastUsed: `
      INSERT INTO ${s}.last_used (id, time, source) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])
      ON CONFLICT (id) DO UPDATE SET time = EXCLUDED.time, source = EXCLUDED.source WHERE EXCLUDED.time > ${s}.last_used.time`,
    readLastUsed: `SELECT id, time::text AS time, source FROM ${s}.last_used`,
  };
}
