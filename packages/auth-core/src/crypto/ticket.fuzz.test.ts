/**
 * Property tests (issue 6) for PBS tickets: verification never throws, accepts
 * exactly the tickets this key signed inside the time window, refuses every edit
 * of a ticket, and the verified-ticket cache answers exactly like a fresh verify.
 */
import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import { createTicket, formatTicketInfo, TICKET_LIFETIME_S, TICKET_MAX_SKEW_S, VerifiedTicketCache, verifyTicket } from "./ticket.js";

const SEED = Number(process.env.GATEHOUSE_FUZZ_SEED ?? 0x71c);
let casesRun = 0;

function check<T>(property: fc.IProperty<T>, numRuns: number): void {
  fc.assert(property, { seed: SEED, numRuns });
  casesRun += numRuns;
}

afterAll(() => {
  console.info(`ticket.fuzz: ${casesRun} cases, fast-check seed ${SEED} (GATEHOUSE_FUZZ_SEED replays another)`);
});

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const other = generateKeyPairSync("ed25519");

const NOW_S = 1_780_000_000;
const authid = fc.constantFrom("admin@pbs", "alice@example.com@pbs", "jürgen@pbs", "😀x@pbs", "bot@pbs!ci", "a@pb");
const issuedAt = fc.integer({ min: NOW_S - 3 * TICKET_LIFETIME_S, max: NOW_S + 3 * TICKET_MAX_SKEW_S });

function isInWindow(issued: number, now: number): boolean {
  return now - issued >= -TICKET_MAX_SKEW_S && now - issued < TICKET_LIFETIME_S;
}

/** One edit of a string: a substituted, inserted or deleted character, or a truncation. */
const edit = fc.record({
  kind: fc.constantFrom("substitute", "insert", "delete", "truncate"),
  position: fc.nat(),
  char: fc.constantFrom(..."AZaz09+/=:_-!@P \u0000é😀"),
});

function applyEdit(s: string, e: { kind: string; position: number; char: string }): string {
  const at = e.position % (s.length + 1);
  switch (e.kind) {
    case "substitute":
      return at >= s.length ? s + e.char : s.slice(0, at) + e.char + s.slice(at + 1);
    case "insert":
      return s.slice(0, at) + e.char + s.slice(at);
    case "delete":
      return s.slice(0, at) + s.slice(at + 1);
    default:
      return s.slice(0, at);
  }
}

describe("verifyTicket", () => {
  test("arbitrary and ticket-shaped strings never throw and are never accepted", () => {
    const ticketShaped = fc
      .tuple(fc.string({ maxLength: 70 }), fc.stringMatching(/^[0-9A-Fa-f]{0,10}$/), fc.string({ unit: "binary", maxLength: 100 }))
      .map(([id, hex, signature]) => `PBS:${id}:${hex}::${signature}`);
    check(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), ticketShaped), (raw) => {
        expect(verifyTicket(raw, publicKey, NOW_S)).toBeNull();
      }),
      3000,
    );
  });

  test("a ticket is accepted exactly inside its time window and names its authid and time", () => {
    check(
      fc.property(authid, issuedAt, (id, issued) => {
        const ticket = createTicket(id, privateKey, issued);
        const verified = verifyTicket(ticket, publicKey, NOW_S);
        if (isInWindow(issued, NOW_S)) expect(verified).toEqual({ authid: id, issuedAt: issued });
        else expect(verified).toBeNull();
      }),
      1500,
    );
  });

  test("every single edit of a valid ticket is refused", () => {
    check(
      fc.property(authid, fc.integer({ min: NOW_S - 7000, max: NOW_S }), edit, (id, issued, e) => {
        const ticket = createTicket(id, privateKey, issued);
        const edited = applyEdit(ticket, e);
        fc.pre(edited !== ticket);
        expect(verifyTicket(edited, publicKey, NOW_S)).toBeNull();
      }),
      3000,
    );
  });

  test("a ticket signed by another key, and the unsigned ticket-info, are refused", () => {
    check(
      fc.property(authid, fc.integer({ min: NOW_S - 7000, max: NOW_S }), (id, issued) => {
        expect(verifyTicket(createTicket(id, other.privateKey, issued), publicKey, NOW_S)).toBeNull();
        expect(verifyTicket(formatTicketInfo(id, issued), publicKey, NOW_S)).toBeNull();
      }),
      500,
    );
  });
});

describe("VerifiedTicketCache", () => {
  test("answers every sequence of lookups exactly as a fresh verifyTicket would", () => {
    const lookup = fc.record({
      ticket: fc.oneof(
        fc.tuple(authid, issuedAt).map(([id, issued]) => createTicket(id, privateKey, issued)),
        fc.tuple(authid, issuedAt, edit).map(([id, issued, e]) => applyEdit(createTicket(id, privateKey, issued), e)),
        fc.tuple(authid, issuedAt).map(([id, issued]) => createTicket(id, other.privateKey, issued)),
      ),
      // Time only moves forward, as a real clock does, sometimes past a whole lifetime.
      advanceS: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 2 * TICKET_LIFETIME_S })),
      repeat: fc.boolean(),
    });
    check(
      fc.property(fc.array(lookup, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 4 }), (lookups, maxEntries) => {
        const cache = new VerifiedTicketCache({ publicKey, maxEntries });
        let now = NOW_S - TICKET_LIFETIME_S;
        const seen: string[] = [];
        for (const step of lookups) {
          now += step.advanceS;
          // Re-asking for an earlier ticket is what exercises the cache's hit path.
          const raw = step.repeat && seen.length > 0 ? (seen[step.advanceS % seen.length] ?? step.ticket) : step.ticket;
          seen.push(raw);
          expect(cache.verify(raw, now)).toEqual(verifyTicket(raw, publicKey, now));
          expect(cache.size).toBeLessThanOrEqual(maxEntries);
        }
      }),
      800,
    );
  });
});
