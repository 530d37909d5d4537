import { describe, expect, it } from "vitest";
import { SliceYielder } from "../../guard/cooperative.js";
import { checkDraftChanges, serializePart } from "./file-format.js";
import { renderHashMap, RenderedUsersFile } from "./file-render.js";
import type { UsersFile } from "./file-format.js";

function usersFile(count: number): UsersFile {
  const file: UsersFile = { users: {}, tokens: {} };
  for (let i = 0; i < count; i += 1) {
    file.users[`user${i}@pbs`] = {
      userid: `user${i}@pbs`,
      enable: i % 2 === 0,
      expire: i,
      ...(i % 3 === 0 ? { comment: `"quoted" ${i}` } : {}),
    };
    file.tokens[`user${i}@pbs!t`] = { tokenid: `user${i}@pbs!t`, enable: true, expire: 0 };
  }
  return file;
}

describe("rendering in slices (decision 036)", () => {
  it("renders a users file byte for byte as serializePart does, empty, small and over several chunks", async () => {
    for (const count of [0, 1, 1234]) {
      const file = usersFile(count);
      expect(await (await RenderedUsersFile.build(file, new SliceYielder(0))).render(new SliceYielder(0))).toBe(serializePart(file));
    }
    const usersOnly: UsersFile = { users: usersFile(3).users, tokens: {} };
    expect(await (await RenderedUsersFile.build(usersOnly, new SliceYielder())).render(new SliceYielder())).toBe(serializePart(usersOnly));
  });

  it("re-renders only changed records and still matches serializePart of the changed value", async () => {
    const file = usersFile(1100);
    const rendered = await RenderedUsersFile.build(file, new SliceYielder());
    const user = { userid: "user5@pbs", enable: false, expire: 9, comment: 'line\nbreak, "quoted"' };
    const token = { tokenid: "new@pbs!t", enable: true, expire: 0 };
    rendered.update({
      users: [
        ["user5@pbs", user],
        ["user7@pbs", null],
      ],
      tokens: [
        ["new@pbs!t", token],
        ["user0@pbs!t", null],
      ],
    });
    file.users["user5@pbs"] = user;
    delete file.users["user7@pbs"];
    file.tokens["new@pbs!t"] = token;
    delete file.tokens["user0@pbs!t"];
    expect(await rendered.render(new SliceYielder(0))).toBe(serializePart(file));
  });

  it("renders a hash map with changes as serializePart renders the changed object", async () => {
    const base = new Map(Array.from({ length: 700 }, (_, i): [string, string] => [`u${i}@pbs!t`, `hash-${i}`]));
    const changes = new Map<string, string | null>([
      ["u3@pbs!t", null],
      ["u4@pbs!t", "rotated"],
      ["new@pbs!t", "fresh"],
    ]);
    const expected: Record<string, string> = {};
    for (const [key, hash] of base) if (key !== "u3@pbs!t") expected[key] = key === "u4@pbs!t" ? "rotated" : hash;
    expected["new@pbs!t"] = "fresh";
    expect(await renderHashMap(base, changes, new SliceYielder(0))).toBe(serializePart(expected));
    expect(await renderHashMap(new Map(), new Map(), new SliceYielder())).toBe(serializePart({}));
  });
});

describe("checkDraftChanges", () => {
  const none = { users: new Map(), tokens: new Map(), tokenHashes: new Map(), passwordHashes: new Map(), acl: null };

  it("refuses a record the store could not read back, naming where", () => {
    expect(() =>
      checkDraftChanges({ ...none, users: new Map([["a@pbs", { userid: "a@pbs", enable: true, expire: Number.NaN }]]) }),
    ).toThrow(/user\.json at users\.a@pbs/);
    expect(() => checkDraftChanges({ ...none, tokens: new Map([["a@pbs!t", { tokenid: "b@pbs!t", enable: true, expire: 0 }]]) })).toThrow(
      /key does not match/,
    );
    expect(() => checkDraftChanges({ ...none, tokenHashes: new Map([["__proto__", "h"]]) })).toThrow(/invalid key/);
    expect(() => checkDraftChanges({ ...none, passwordHashes: new Map([["a@pbs", ""]]) })).toThrow(/non-empty/);
  });

  it("drops fields the schema does not know, as a whole-file parse would", () => {
    const user = { userid: "a@pbs", enable: true, expire: 0, extra: "dropped" };
    expect(checkDraftChanges({ ...none, users: new Map([["a@pbs", user]]) }).users.get("a@pbs")).toEqual({
      userid: "a@pbs",
      enable: true,
      expire: 0,
    });
  });
});
