/**
 * Property tests (issue 6) for CSRFPreventionTokens: verification never throws,
 * binds a token to its user, its key and its time window, and refuses every edit.
 */
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import { createCsrfToken, verifyCsrfToken } from "./csrf.js";
import { TICKET_LIFETIME_S, TICKET_MAX_SKEW_S } from "./ticket.js";

const SEED = Number(process.env.GATEHOUSE_FUZZ_SEED ?? 0xc5f);
let casesRun = 0;

function check<T>(property: fc.IProperty<T>, numRuns: number): void {
  fc.assert(property, { seed: SEED, numRuns });
  casesRun += numRuns;
}

afterAll(() => {
  console.info(`csrf.fuzz: ${casesRun} cases, fast-check seed ${SEED} (GATEHOUSE_FUZZ_SEED replays another)`);
});

const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);
const NOW_S = 1_780_000_000;
// Userids as they reach verifyCsrfToken: from a verified ticket, so any string the id rules allow.
const userid = fc.oneof(
  fc.constantFrom("admin@pbs", "alice@pbs", "alice@pbs ", "Alice@pbs", "jürgen@pbs", "a:b@pbs"),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 64 }),
);
const issuedAt = fc.integer({ min: NOW_S - 3 * TICKET_LIFETIME_S, max: NOW_S + 3 * TICKET_MAX_SKEW_S });

describe("verifyCsrfToken", () => {
  test("arbitrary and token-shaped strings never throw and are never accepted", () => {
    const tokenShaped = fc
      .tuple(fc.stringMatching(/^[0-9A-F]{8}$/), fc.stringMatching(/^[A-Za-z0-9_-]{43}$/))
      .map(([hex, digest]) => `${hex}:${digest}`);
    check(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 120 }), tokenShaped), userid, (token, user) => {
        expect(verifyCsrfToken(token, user, KEY, NOW_S)).toBe(false);
      }),
      3000,
    );
  });

  test("a token is accepted for its own user exactly inside the time window", () => {
    check(
      fc.property(userid, issuedAt, (user, issued) => {
        const age = NOW_S - issued;
        const inWindow = age >= -TICKET_MAX_SKEW_S && age < TICKET_LIFETIME_S;
        expect(verifyCsrfToken(createCsrfToken(user, KEY, issued), user, KEY, NOW_S)).toBe(inWindow);
      }),
      1500,
    );
  });

  test("a token made for one user is refused for every other user, and under another key", () => {
    check(
      fc.property(userid, userid, fc.integer({ min: NOW_S - 7000, max: NOW_S }), (owner, other, issued) => {
        fc.pre(owner !== other);
        const token = createCsrfToken(owner, KEY, issued);
        expect(verifyCsrfToken(token, other, KEY, NOW_S)).toBe(false);
        expect(verifyCsrfToken(token, owner, OTHER_KEY, NOW_S)).toBe(false);
      }),
      1500,
    );
  });

  test("every single-character edit of a valid token is refused", () => {
    check(
      fc.property(
        userid,
        fc.integer({ min: NOW_S - 7000, max: NOW_S }),
        fc.nat(),
        fc.constantFrom(..."09AFaf_-:=+/ "),
        (user, issued, position, char) => {
          const token = createCsrfToken(user, KEY, issued);
          const at = position % token.length;
          const edited = token.slice(0, at) + char + token.slice(at + 1);
          fc.pre(edited !== token);
          expect(verifyCsrfToken(edited, user, KEY, NOW_S)).toBe(false);
        },
      ),
      3000,
    );
  });
});
