import { describe, expect, it } from "vitest";
import { formatJournalRecord, parseJournalLine, planCatchUp } from "./change-journal.js";
import type { JournalRecord } from "./change-journal.js";

const same = (identity: string) => ({ before: identity, after: identity });

/** A token create at config and secrets generation `g`: users.json a -> b, token.shadow x -> y. */
function tokenCreate(g: bigint, users: [string, string], shadow: [string, string]): JournalRecord {
  return {
    before: { secrets: g, config: g },
    after: { secrets: g + 1n, config: g + 1n },
    files: {
      users: { before: users[0], after: users[1] },
      acl: same("acl"),
      passwordShadow: same("pw"),
      tokenShadow: { before: shadow[0], after: shadow[1] },
    },
    changes: { users: [], tokens: [], acl: null, tokenHashes: [["a@pbs!t", "h"]], passwordHashes: [] },
  };
}

describe("planCatchUp", () => {
  const r1 = tokenCreate(1n, ["u1", "u2"], ["s1", "s2"]);
  const r2 = tokenCreate(2n, ["u2", "u3"], ["s2", "s3"]);

  it("chains the records from the cached file to the one on disk", () => {
    expect(planCatchUp("users", { generation: 1n, identity: "u1" }, { generation: 3n, identity: "u3" }, [r1, r2])).toEqual({
      steps: [r1, r2],
      pending: false,
    });
    expect(planCatchUp("users", { generation: 2n, identity: "u2" }, { generation: 3n, identity: "u3" }, [r1, r2])?.steps).toEqual([r2]);
  });

  it("moves a part the record did not write to the new generation with no change", () => {
    expect(planCatchUp("acl", { generation: 1n, identity: "acl" }, { generation: 3n, identity: "acl" }, [r1, r2])?.steps).toEqual([r1, r2]);
  });

  it("stops at the files on disk, not at later records", () => {
    expect(planCatchUp("users", { generation: 1n, identity: "u1" }, { generation: 2n, identity: "u2" }, [r1, r2])?.steps).toEqual([r1]);
  });

  it("reports a writer that renamed its files but has not bumped yet as pending", () => {
    expect(planCatchUp("users", { generation: 1n, identity: "u1" }, { generation: 1n, identity: "u2" }, [r1])).toEqual({
      steps: [r1],
      pending: true,
    });
  });

  it("refuses a file the journal does not name (a hand edit), a gap, and an unknown start", () => {
    expect(planCatchUp("users", { generation: 1n, identity: "u1" }, { generation: 3n, identity: "hand" }, [r1, r2])).toBeNull();
    expect(planCatchUp("users", { generation: 1n, identity: "u1" }, { generation: 3n, identity: "u3" }, [r2])).toBeNull();
    expect(planCatchUp("users", { generation: 1n, identity: "other" }, { generation: 3n, identity: "u3" }, [r1, r2])).toBeNull();
  });

  it("does not follow a crashed writer's record whose files were never renamed", () => {
    const crashed = tokenCreate(1n, ["u1", "never"], ["s1", "never"]);
    const real = tokenCreate(1n, ["u1", "u2"], ["s1", "s2"]);
    expect(planCatchUp("users", { generation: 1n, identity: "u1" }, { generation: 2n, identity: "u2" }, [crashed, real])).toBeNull();
  });
});

describe("journal lines", () => {
  it("round-trip, and anything else reads as null", () => {
    const record = tokenCreate(7n, ["u1", "u2"], ["s1", "s2"]);
    const line = formatJournalRecord(record);
    expect(line.endsWith("\n")).toBe(true);
    expect(parseJournalLine(line.trimEnd())).toEqual(record);
    expect(parseJournalLine(line.slice(0, 30))).toBeNull();
    expect(parseJournalLine('{"v":2}')).toBeNull();
    expect(parseJournalLine(JSON.stringify({ ...JSON.parse(line), changes: { users: [["__proto__", null]] } }))).toBeNull();
  });

  it("leave out changes too large to name", () => {
    const record = tokenCreate(1n, ["u1", "u2"], ["s1", "s2"]);
    const many = Array.from({ length: 5000 }, (_, i): [string, string] => [`user${i}@pbs!t`, "x".repeat(64)]);
    const line = formatJournalRecord({ ...record, changes: { ...record.changes!, tokenHashes: many } });
    expect(parseJournalLine(line.trimEnd())?.changes).toBeNull();
  });
});
