import { describe, expect, it } from "vitest";
import { AccessControl, SYSTEM_ACTOR } from "./access-control.js";
import type { LoginSuccess } from "./access-control.js";
import { ManualClock } from "../core/clock.js";
import { FakeHasher } from "../test-support/fake-hasher.js";
import { MemoryAccessStore } from "../test-support/memory-store.js";

async function setUp() {
  const hasher = new FakeHasher();
  const ac = await AccessControl.open({ store: new MemoryAccessStore(), clock: new ManualClock(), hasher });
  await ac.createUser(SYSTEM_ACTOR, { userid: "alice@pbs", password: "alice-password" });
  const token = await ac.createToken(SYSTEM_ACTOR, "alice@pbs", "ci", {});
  const login = (await ac.login({ username: "alice@pbs", password: "alice-password" })) as LoginSuccess;
  return { ac, hasher, token, ticket: login.ticket };
}

describe("authenticate: the one entry point per request", () => {
  it("answers a cookie ticket, ignoring any Authorization header beside it", async () => {
    const { ac, token, ticket } = await setUp();
    const header = `PBSAPIToken=${token.tokenid}:${token.value}`;
    expect(await ac.authenticate({ cookie: ticket, authorization: header })).toMatchObject({ authid: "alice@pbs", via: "ticket" });
    // A refused ticket decides alone, even with a good token beside it.
    expect(await ac.authenticate({ cookie: `${ticket}x`, authorization: header })).toBe("ticket-refused");
  });

  it("answers a token header parsed once, and says why there is no caller", async () => {
    const { ac, token } = await setUp();
    const header = `PBSAPIToken=${token.tokenid}:${token.value}`;
    expect(await ac.authenticate({ authorization: header, source: "192.0.2.1" })).toMatchObject({
      authid: "alice@pbs!ci",
      userid: "alice@pbs",
      tokenName: "ci",
      via: "token",
    });
    expect(await ac.authenticate({})).toBe("no-credential");
    expect(await ac.authenticate({ authorization: "" })).toBe("no-credential");
    expect(await ac.authenticate({ authorization: "Basic YWxpY2U6eA==" })).toBe("malformed-authorization");
    expect(await ac.authenticate({ authorization: "PBSAPIToken=alice@pbs:secret" })).toBe("malformed-authorization");
    const wrong = `PBSAPIToken=${token.tokenid}:00000000-0000-4000-8000-000000000000`;
    expect(await ac.authenticate({ authorization: wrong, source: "192.0.2.1" })).toBe("token-refused");
  });

  it("decides a cached token and a cached ticket synchronously, with no hash", async () => {
    const { ac, hasher, token, ticket } = await setUp();
    const header = `PBSAPIToken=${token.tokenid}:${token.value}`;
    // The first use of each verifies it (one hash for the token) and fills the caches.
    expect(await ac.authenticate({ authorization: header })).toMatchObject({ authid: token.tokenid });
    expect(await ac.authenticate({ cookie: ticket })).toMatchObject({ authid: "alice@pbs" });
    const verifiesBefore = hasher.verifies;
    const tokenOutcome = ac.authenticate({ authorization: header });
    const ticketOutcome = ac.authenticate({ cookie: ticket });
    expect(tokenOutcome).not.toBeInstanceOf(Promise);
    expect(ticketOutcome).not.toBeInstanceOf(Promise);
    expect(tokenOutcome).toMatchObject({ authid: token.tokenid });
    expect(ticketOutcome).toMatchObject({ authid: "alice@pbs" });
    expect(hasher.verifies).toBe(verifiesBefore);
  });

  it("refuses a token whose id it remembers once the token is disabled, deleted or given a new secret", async () => {
    const { ac, token } = await setUp();
    const header = `PBSAPIToken=${token.tokenid}:${token.value}`;
    // The first success fills the caches and the caller memo; the second answers from them.
    expect(await ac.authenticate({ authorization: header })).toMatchObject({ authid: token.tokenid });
    const remembered = ac.authenticate({ authorization: header });
    expect(remembered).not.toBeInstanceOf(Promise);
    // The memo holds the parsed id only: a wrong secret or malformed secret under it is still refused.
    expect(await ac.authenticate({ authorization: `PBSAPIToken=${token.tokenid}:00000000-0000-4000-8000-000000000000` })).toBe(
      "token-refused",
    );
    expect(await ac.authenticate({ authorization: `PBSAPIToken=${token.tokenid}:%E0%A4%A` })).toBe("malformed-authorization");
    expect(await ac.authenticate({ authorization: `PBSAPIToken=${token.tokenid}:` })).toBe("malformed-authorization");
    expect(await ac.authenticate({ authorization: `PBSAPIToken=${token.tokenid}:not-a-uuid` })).toBe("token-refused");
    await ac.updateToken(SYSTEM_ACTOR, "alice@pbs", "ci", { enable: false });
    expect(await ac.authenticate({ authorization: header })).toBe("token-refused");
    await ac.updateToken(SYSTEM_ACTOR, "alice@pbs", "ci", { enable: true });
    expect(await ac.authenticate({ authorization: header })).toMatchObject({ authid: token.tokenid });
    const rotated = await ac.updateToken(SYSTEM_ACTOR, "alice@pbs", "ci", { regenerate: true });
    expect(await ac.authenticate({ authorization: header })).toBe("token-refused");
    expect(await ac.authenticate({ authorization: `PBSAPIToken=${token.tokenid}:${rotated?.secret}` })).toMatchObject({
      authid: token.tokenid,
    });
    await ac.deleteToken(SYSTEM_ACTOR, "alice@pbs", "ci");
    expect(await ac.authenticate({ authorization: header })).toBe("token-refused");
  });

  it("gives every request of a token the same frozen caller, parsed from the id that authenticated", async () => {
    const { ac, token } = await setUp();
    const header = `PBSAPIToken=${token.tokenid}:${token.value}`;
    const first = await ac.authenticate({ authorization: header });
    const second = ac.authenticate({ authorization: header });
    const third = ac.authenticate({ authorization: `PBSAPIToken ${token.tokenid}:${token.value}` });
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toEqual({ authid: "alice@pbs!ci", userid: "alice@pbs", tokenName: "ci", via: "token" });
  });
});
