/**
 * `pnpm bench:verify`: what one authentication costs inside auth-core, without HTTP,
 * on the file store with real argon2id (m=19 MiB, t=2, p=1). It moved here from
 * auth-core's unit tests, where a timing has no place (issue 16).
 *
 * Prints microseconds per call for an uncached token verification (argon2 per
 * call, the token cache switched off), a cached one through the async
 * `authenticateToken`, and the synchronous hot paths the bff uses
 * (`authenticateTokenNow`, `authenticateTicketNow`) cycling over several callers so
 * the per-caller state is exercised as under real load. The request entry point
 * `authenticate` is measured beside what the bff did before it (parse the header,
 * then `authenticateTokenNow`), on the same headers. Each figure is the median
 * of BENCH_VERIFY_ROUNDS rounds (default 7); nothing is asserted but the argon2
 * count, which proves the cached calls really were cached.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AccessControl, argon2Hasher, openFileStore, parseApiTokenHeader, SYSTEM_ACTOR, type SecretHasher } from "@gatehouse/auth-core";

const ROUNDS = Number(process.env.BENCH_VERIFY_ROUNDS ?? 7);
const UNCACHED_CALLS = 5;
const CACHED_CALLS = 20_000;
/** Distinct callers the synchronous scenarios cycle through. */
const CALLERS = 32;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function microsPerCall(calls: number, run: (i: number) => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i += 1) {
    const answer = run(i);
    if (answer instanceof Promise) await answer;
  }
  return Number(process.hrtime.bigint() - start) / calls / 1000;
}

function syncOrFail<T>(answer: T | Promise<T>, what: string): T {
  if (answer instanceof Promise) throw new Error(`${what} was not answered synchronously: the cache did not hit`);
  return answer;
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "gatehouse-verify-cost-"));
  const store = await openFileStore({ dataDir });
  let argon2Verifies = 0;
  const hasher: SecretHasher = {
    hash: (plain) => argon2Hasher.hash(plain),
    verify: (hash, plain) => {
      argon2Verifies += 1;
      return argon2Hasher.verify(hash, plain);
    },
  };
  const cached = await AccessControl.open({ store, hasher });
  const uncached = await AccessControl.open({ store, hasher, disableTokenCache: true });
  try {
    const tokens: { tokenid: string; value: string }[] = [];
    const tickets: string[] = [];
    for (let i = 0; i < CALLERS; i += 1) {
      const userid = `user${i}@pbs`;
      await cached.createUser(SYSTEM_ACTOR, { userid, password: `password-of-user-${i}` });
      tokens.push(await cached.createToken(SYSTEM_ACTOR, userid, "ci", {}));
      const login = await cached.login({ username: userid, password: `password-of-user-${i}` });
      if (login === null) throw new Error(`login of ${userid} failed`);
      tickets.push(login.ticket);
    }
    const first = tokens[0];
    if (first === undefined) throw new Error("no token");
    // Warm every caller's cache entry (one argon2 each) before measuring.
    for (const token of tokens) await cached.authenticateToken(token.tokenid, token.value);
    for (const ticket of tickets) await cached.authenticateTicket(ticket);
    const verifiesBeforeRounds = argon2Verifies;

    const headers = tokens.map((token) => `PBSAPIToken=${token.tokenid}:${token.value}`);
    const figures = {
      uncached: [] as number[],
      cachedAsync: [] as number[],
      tokenNow: [] as number[],
      ticketNow: [] as number[],
      parseThenNow: [] as number[],
      entryPoint: [] as number[],
    };
    for (let round = 0; round < ROUNDS; round += 1) {
      figures.uncached.push(await microsPerCall(UNCACHED_CALLS, () => uncached.authenticateToken(first.tokenid, first.value)));
      figures.cachedAsync.push(await microsPerCall(CACHED_CALLS, () => cached.authenticateToken(first.tokenid, first.value)));
      figures.tokenNow.push(
        await microsPerCall(CACHED_CALLS, (i) => {
          const token = tokens[i % CALLERS] ?? first;
          return syncOrFail(cached.authenticateTokenNow(token.tokenid, token.value), "a cached token");
        }),
      );
      figures.parseThenNow.push(
        await microsPerCall(CACHED_CALLS, (i) => {
          const parsed = parseApiTokenHeader(headers[i % CALLERS] ?? "");
          if (!parsed.ok) throw new Error(parsed.error);
          return syncOrFail(cached.authenticateTokenNow(parsed.value.authid, parsed.value.secret, "192.0.2.1"), "a cached token");
        }),
      );
      figures.entryPoint.push(
        await microsPerCall(CACHED_CALLS, (i) =>
          syncOrFail(cached.authenticate({ authorization: headers[i % CALLERS], source: "192.0.2.1" }), "a cached token"),
        ),
      );
      figures.ticketNow.push(
        await microsPerCall(CACHED_CALLS, (i) => syncOrFail(cached.authenticateTicketNow(tickets[i % CALLERS] ?? ""), "a cached ticket")),
      );
    }
    const expectedVerifies = verifiesBeforeRounds + ROUNDS * UNCACHED_CALLS;
    if (argon2Verifies !== expectedVerifies) {
      throw new Error(`argon2 ran ${argon2Verifies} times, expected ${expectedVerifies}: a cached call reached the hasher`);
    }
    const show = (values: number[]) =>
      `${median(values).toFixed(2)} µs (rounds ${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)})`;
    console.log(`auth-core verification cost, file store, argon2id m=19 MiB t=2 p=1, ${ROUNDS} rounds, medians:`);
    console.log(`  uncached token (argon2 per call)      ${(median(figures.uncached) / 1000).toFixed(1)} ms`);
    console.log(`  cached token, authenticateToken       ${show(figures.cachedAsync)}`);
    console.log(`  cached token, authenticateTokenNow    ${show(figures.tokenNow)}  (${CALLERS} tokens in turn)`);
    console.log(`  cached ticket, authenticateTicketNow  ${show(figures.ticketNow)}  (${CALLERS} users in turn)`);
    console.log(`  cached token, header parse + ...Now   ${show(figures.parseThenNow)}  (the bff's path before authenticate)`);
    console.log(`  cached token, authenticate(header)    ${show(figures.entryPoint)}  (the one entry point)`);
  } finally {
    // Both facades share the one store; closing it once closes it for both.
    await cached.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
