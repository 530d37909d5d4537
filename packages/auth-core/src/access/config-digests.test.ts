import { describe, expect, it } from "vitest";
import type { AccessConfig } from "../core/model.js";
import { createStateDraft, freezeConfig } from "../store/state-draft.js";
import { computeConfigPartDigest, computeConfigPartDigestInSlices, isSameConfigPart, type ConfigPart } from "./config-digests.js";

const PARTS: ConfigPart[] = ["users", "acl"];

/** A config whose keys are inserted out of order, with optional fields left out or undefined, and text that needs escaping. */
function makeConfig(users: number): AccessConfig {
  const config: AccessConfig = { users: {}, tokens: {}, acl: [] };
  for (let i = users - 1; i >= 0; i--) {
    const userid = `u${(i * 7919) % users}-\u00e9"<&>@pbs`;
    config.users[userid] = {
      userid,
      enable: i % 3 !== 0,
      expire: i,
      comment: i % 2 === 0 ? `runner ${i} "quoted"` : undefined,
      ...(i % 5 === 0 ? { email: `u${i}@example.org` } : {}),
    };
    config.tokens[`${userid}!ci`] = { tokenid: `${userid}!ci`, enable: true, expire: 0 };
    if (i % 10 === 0) config.acl.push({ path: `/datastore/s${i}`, ugid: userid, roleid: "DatastoreAdmin", propagate: i % 20 === 0 });
  }
  return config;
}

describe("config part digests in slices", () => {
  it.each([0, 1, 2, 50, 5000])("give exactly the one-piece digest (%i users)", async (users) => {
    for (const part of PARTS) {
      const config = makeConfig(users);
      const whole = computeConfigPartDigest(config, part);
      expect(await computeConfigPartDigestInSlices(makeConfig(users), part)).toBe(whole);
    }
  });

  it("changes with any record, as the one-piece digest does", async () => {
    const before = await computeConfigPartDigestInSlices(makeConfig(100), "users");
    const changed = makeConfig(100);
    const some = Object.values(changed.tokens)[42];
    if (some === undefined) throw new Error("no token 42");
    some.enable = false;
    expect(await computeConfigPartDigestInSlices(changed, "users")).not.toBe(before);
    expect(await computeConfigPartDigestInSlices(changed, "users")).toBe(computeConfigPartDigest(changed, "users"));
  });

  it("gives the event loop back while it works on a large config", async () => {
    const config = Object.freeze(makeConfig(50_000));
    let immediateRan = false;
    setImmediate(() => {
      immediateRan = true;
    });
    let settledBeforeImmediate = false;
    const digest = computeConfigPartDigestInSlices(config, "users").then((value) => {
      settledBeforeImmediate = !immediateRan;
      return value;
    });
    // Callers meanwhile share the one computation.
    expect(computeConfigPartDigestInSlices(config, "users")).toBe(computeConfigPartDigestInSlices(config, "users"));
    expect(await digest).toBe(computeConfigPartDigest(makeConfig(50_000), "users"));
    expect(settledBeforeImmediate).toBe(false);
  });

  it("a draft is the same users part as its base until it changes a user or token (the digest check under the lock)", () => {
    const base = freezeConfig(makeConfig(20));
    const hashes = { rows: new Map<string, string | null>(), complete: true };
    const untouched = createStateDraft(base, { tokenHashes: hashes, passwordHashes: hashes });
    expect(isSameConfigPart(untouched.state.config, base, "users")).toBe(true);
    const edited = createStateDraft(base, { tokenHashes: hashes, passwordHashes: hashes });
    const tokenid = Object.keys(base.tokens)[3] ?? "";
    const token = edited.state.config.tokens[tokenid];
    if (token === undefined) throw new Error("no token 3");
    token.enable = false;
    expect(isSameConfigPart(edited.state.config, base, "users")).toBe(false);
    // A read that copied a record without changing it is still the same content.
    const readOnly = createStateDraft(base, { tokenHashes: hashes, passwordHashes: hashes });
    expect(readOnly.state.config.tokens[tokenid]?.enable).toBe(true);
    expect(isSameConfigPart(readOnly.state.config, base, "users")).toBe(true);
  });
});
