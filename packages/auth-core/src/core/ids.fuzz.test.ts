/**
 * Property tests (issue 6) for the id parsers and the `Authorization: PBSAPIToken`
 * header parser. Each parser is checked three ways: it never throws on any string,
 * everything it accepts obeys the rules of docs/design.md "The wire contract", Ids, and everything built
 * by those rules is accepted. The rules are restated here independently of ids.ts
 * (an oracle), so a drift in either shows up as a counterexample.
 */
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import { isTokenAuthid, parseApiTokenHeader, parseAuthid, parseTokenName, parseUserid } from "./ids.js";

/** Fixed per run so a failure replays; override to explore further. */
const SEED = Number(process.env.GATEHOUSE_FUZZ_SEED ?? 0x1d5);
let casesRun = 0;

function check<T>(property: fc.IProperty<T>, numRuns: number): void {
  fc.assert(property, { seed: SEED, numRuns });
  casesRun += numRuns;
}

afterAll(() => {
  console.info(`ids.fuzz: ${casesRun} cases, fast-check seed ${SEED} (GATEHOUSE_FUZZ_SEED replays another)`);
});

// Characters every rule cares about, plus a few that tempt an implementation to
// count UTF-16 units or to trust \s: a lone surrogate, NBSP, a zero-width space,
// a bidi override, an astral emoji and a combining mark.
const EDGE_CHARACTERS = [
  "a",
  "Z",
  "0",
  "_",
  ".",
  "-",
  "@",
  "!",
  ":",
  "/",
  " ",
  "\t",
  "\n",
  "\u0000",
  "\u007f",
  "\u00a0",
  "\u200b",
  "\u202e",
  "\ud800",
  "é",
  "\u0301",
  "😀",
  "名",
  "%",
  "=",
  ";",
];
const edgeString = (maxLength: number) => fc.string({ unit: fc.constantFrom(...EDGE_CHARACTERS), maxLength });
const anyString = (maxLength: number) =>
  fc.oneof(fc.string({ unit: "binary", maxLength }), edgeString(maxLength), fc.string({ maxLength }));

// --- the oracle: docs/design.md "The wire contract", Ids, restated ------------------------------------------

const SAFE_ID = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

function countCodePoints(s: string): number {
  return [...s].length;
}

function isPrintableNameCharacter(char: string): boolean {
  return !/[\s:/]/u.test(char) && !/^[\p{C}\p{Z}]$/u.test(char);
}

function isRealm(realm: string): boolean {
  return realm.length >= 2 && realm.length <= 32 && SAFE_ID.test(realm);
}

function isUseridShape(s: string): boolean {
  const at = s.lastIndexOf("@");
  if (at <= 0) return false;
  const name = s.slice(0, at);
  return [...name].every(isPrintableNameCharacter) && isRealm(s.slice(at + 1));
}

function isUserid(s: string): boolean {
  const length = countCodePoints(s);
  return length >= 3 && length <= 64 && isUseridShape(s);
}

function isTokenName(s: string): boolean {
  return s.length >= 1 && s.length <= 64 && SAFE_ID.test(s);
}

/** A token authid: the `!` that starts the token name is the first one after the last `@`. */
function splitTokenAuthid(s: string): { userid: string; tokenName: string } | null {
  const at = s.lastIndexOf("@");
  if (at < 0) return null;
  const bang = s.indexOf("!", at);
  if (bang < 0) return null;
  return { userid: s.slice(0, bang), tokenName: s.slice(bang + 1) };
}

function isAuthid(s: string): boolean {
  const length = countCodePoints(s);
  if (length < 3 || length > 64) return false;
  const token = splitTokenAuthid(s);
  if (token === null) return isUseridShape(s);
  return isUseridShape(token.userid) && isTokenName(token.tokenName);
}

// --- generators of valid ids ------------------------------------------------------------

const SAFE_FIRST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
const SAFE_REST = `${SAFE_FIRST}.-`;
const safeId = (maxLength: number) =>
  fc
    .tuple(fc.constantFrom(...SAFE_FIRST), fc.string({ unit: fc.constantFrom(...SAFE_REST), maxLength: maxLength - 1 }))
    .map(([first, rest]) => first + rest);
const realm = fc.tuple(safeId(1), safeId(31)).map(([a, b]) => (a + b).slice(0, 32));
const nameCharacter = fc.oneof(
  fc.constantFrom(..."abcXYZ019_.-@!é名😀\u0301"),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }).filter((c) => [...c].every(isPrintableNameCharacter)),
);
const userName = fc.string({ unit: nameCharacter, minLength: 1, maxLength: 40 });
const validUserid = fc
  .tuple(userName, realm)
  .map(([name, r]) => `${name}@${r}`)
  .filter(isUserid);
const validTokenAuthid = fc
  .tuple(validUserid, safeId(30))
  // A `!` in the user name would move the split; a token authid's user part must not need it.
  .filter(([userid]) => !userid.slice(userid.lastIndexOf("@")).includes("!"))
  .map(([userid, tokenName]) => ({ userid, tokenName, authid: `${userid}!${tokenName}` }))
  .filter(({ authid }) => countCodePoints(authid) <= 64);

describe("id parsers under arbitrary input", () => {
  test("parseUserid, parseAuthid, parseTokenName and isTokenAuthid never throw and agree with the rules", () => {
    let accepted = 0;
    check(
      fc.property(
        fc.oneof(
          anyString(90),
          validUserid,
          validTokenAuthid.map((t) => t.authid),
        ),
        (s) => {
          const userid = parseUserid(s);
          const authid = parseAuthid(s);
          const tokenName = parseTokenName(s);
          expect(userid.ok).toBe(isUserid(s));
          expect(authid.ok).toBe(isAuthid(s));
          expect(tokenName.ok).toBe(isTokenName(s));
          expect(isTokenAuthid(s)).toBe(authid.ok && authid.value.tokenName !== null);
          if (!userid.ok) expect(userid.error).toMatch(/\S/);
          if (!authid.ok) expect(authid.error).toMatch(/\S/);
          if (authid.ok) accepted += 1;
        },
      ),
      3000,
    );
    // Both outcomes must have been exercised, or the agreement proves little.
    expect(accepted).toBeGreaterThan(300);
    expect(accepted).toBeLessThan(2700);
  });

  test("an accepted userid splits at its last @ into a name and a realm that rebuild it", () => {
    check(
      fc.property(fc.oneof(validUserid, anyString(70)), (s) => {
        const parsed = parseUserid(s);
        if (!parsed.ok) return;
        expect(`${parsed.value.name}@${parsed.value.realm}`).toBe(s);
        expect(parsed.value.userid).toBe(s);
        expect(parsed.value.realm.includes("@")).toBe(false);
      }),
      1500,
    );
  });

  test("every userid built by the rules is accepted, alone and as the user part of a token authid", () => {
    check(
      fc.property(validTokenAuthid, ({ userid, tokenName, authid }) => {
        expect(parseUserid(userid).ok).toBe(true);
        const user = parseAuthid(userid);
        expect(user.ok && user.value.tokenName === null).toBe(true);
        const parsed = parseAuthid(authid);
        expect(parsed).toMatchObject({ ok: true, value: { authid, userid, tokenName } });
        expect(isTokenAuthid(authid)).toBe(true);
      }),
      1500,
    );
  });

  test("lengths are counted in code points: 64 astral characters fit, 65 do not", () => {
    check(
      fc.property(fc.integer({ min: 1, max: 70 }), (extra) => {
        const userid = `${"😀".repeat(extra)}@pb`;
        expect(parseUserid(userid).ok).toBe(extra + 3 <= 64);
      }),
      70,
    );
  });
});

describe("the PBSAPIToken Authorization header", () => {
  const secret = fc.oneof(
    fc.uuid().map((uuid) => uuid.toLowerCase()),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }),
  );

  test("arbitrary headers never throw, and anything accepted carries a token authid and a non-empty secret", () => {
    const headerish = fc.oneof(
      anyString(200),
      fc.tuple(fc.constantFrom("PBSAPIToken=", "PBSAPIToken ", "pbsapitoken=", "PBSAPIToken:"), anyString(120)).map(([p, s]) => p + s),
    );
    check(
      fc.property(headerish, (header) => {
        const parsed = parseApiTokenHeader(header);
        if (!parsed.ok) {
          expect(parsed.error).toMatch(/\S/);
          return;
        }
        expect(header.startsWith("PBSAPIToken=") || header.startsWith("PBSAPIToken ")).toBe(true);
        expect(isTokenAuthid(parsed.value.authid)).toBe(true);
        expect(parsed.value.secret.length).toBeGreaterThan(0);
      }),
      3000,
    );
  });

  test("a token id and any percent-encoded secret read back exactly, with '=' or a space", () => {
    check(
      fc.property(validTokenAuthid, secret, fc.constantFrom("=", " "), ({ authid }, plain, separator) => {
        const parsed = parseApiTokenHeader(`PBSAPIToken${separator}${authid}:${encodeURIComponent(plain)}`);
        expect(parsed).toEqual({ ok: true, value: { authid, secret: plain } });
      }),
      1500,
    );
  });

  test("the first colon ends the authid: a raw colon in the secret stays in the secret", () => {
    check(
      fc.property(
        validTokenAuthid,
        fc.string({ unit: fc.constantFrom("a", ":", "1"), minLength: 1, maxLength: 20 }),
        ({ authid }, plain) => {
          expect(parseApiTokenHeader(`PBSAPIToken=${authid}:${plain}`)).toEqual({ ok: true, value: { authid, secret: plain } });
        },
      ),
      500,
    );
  });

  test("a user authid, a malformed escape or an overlong header is refused", () => {
    check(
      fc.property(validTokenAuthid, fc.integer({ min: 1025, max: 5000 }), ({ userid, authid }, length) => {
        expect(parseApiTokenHeader(`PBSAPIToken=${userid}:secret`).ok).toBe(false);
        expect(parseApiTokenHeader(`PBSAPIToken=${authid}:%E0%A4%A`).ok).toBe(false);
        expect(parseApiTokenHeader(`PBSAPIToken=${authid}:`).ok).toBe(false);
        const header = `PBSAPIToken=${authid}:`;
        expect(parseApiTokenHeader(header + "a".repeat(length - header.length)).ok).toBe(false);
      }),
      300,
    );
  });
});
