import { describe, expect, test } from "vitest";
import fc from "fast-check";
import {
  CLEAR_TICKET_COOKIE,
  clearingCookieFor,
  formatTicketCookie,
  readCookieTickets,
  selectCookieTicket,
  selectHostCookieTicket,
} from "./cookies.js";

const TICKET = "PBS:admin@pbs:6800A1B2::c2lnbmF0dXJlK2FuZC9tb3Jl";

describe("formatTicketCookie", () => {
  test("an ordinary ticket is sent verbatim with the exact attributes and no expiry", () => {
    expect(formatTicketCookie(TICKET)).toBe(`__Host-PBSAuthCookie=${TICKET}; Secure; HttpOnly; SameSite=Lax; Path=/`);
  });

  test("characters a cookie value may not hold are percent-encoded", () => {
    const header = formatTicketCookie('PBS:a;b,c "d"%@pbs:00000000::sig');
    expect(header).toBe("__Host-PBSAuthCookie=PBS:a%3Bb%2Cc%20%22d%22%25@pbs:00000000::sig; Secure; HttpOnly; SameSite=Lax; Path=/");
  });

  test("the clearing header keeps the attributes and expires in 1970", () => {
    expect(CLEAR_TICKET_COOKIE).toBe(
      "__Host-PBSAuthCookie=; Secure; HttpOnly; SameSite=Lax; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    );
  });
});

describe("readCookieTickets", () => {
  test("reads both cookies among others and the __Host- cookie wins", () => {
    const tickets = readCookieTickets(`theme=dark; PBSAuthCookie=legacy; __Host-PBSAuthCookie=${TICKET}`);
    expect(tickets).toEqual({ ticket: TICKET, legacyTicket: "legacy" });
    expect(selectCookieTicket(tickets)).toEqual({ value: TICKET, cookie: "__Host-PBSAuthCookie" });
    expect(selectCookieTicket(readCookieTickets("PBSAuthCookie=legacy"))).toEqual({ value: "legacy", cookie: "PBSAuthCookie" });
    expect(selectCookieTicket(readCookieTickets("other=1"))).toBeNull();
    expect(selectCookieTicket(readCookieTickets(undefined))).toBeNull();
    expect(selectCookieTicket(readCookieTickets("__Host-PBSAuthCookie=; PBSAuthCookie=legacy"))?.value).toBe("legacy");
    expect(selectCookieTicket(readCookieTickets("__Host-PBSAuthCookie="))).toBeNull();
  });

  test("the console's session and cookie renewal trust only the __Host- cookie, never the legacy one (issue 15, finding 9)", () => {
    expect(selectHostCookieTicket(`PBSAuthCookie=${TICKET}`)).toBeNull();
    expect(selectHostCookieTicket(`PBSAuthCookie=legacy; __Host-PBSAuthCookie=${TICKET}`)).toBe(TICKET);
    expect(selectHostCookieTicket("__Host-PBSAuthCookie=; PBSAuthCookie=legacy")).toBeNull();
    expect(selectHostCookieTicket(undefined)).toBeNull();
  });

  test("each cookie has its own clearing header with the same attributes", () => {
    expect(clearingCookieFor("__Host-PBSAuthCookie")).toBe(CLEAR_TICKET_COOKIE);
    expect(clearingCookieFor("PBSAuthCookie")).toBe(
      "PBSAuthCookie=; Secure; HttpOnly; SameSite=Lax; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    );
  });

  test("percent-encoded and quoted values are decoded, and a bad encoding is kept as sent", () => {
    expect(readCookieTickets("PBSAuthCookie=PBS%3Aroot%40pam%3A1").legacyTicket).toBe("PBS:root@pam:1");
    expect(readCookieTickets('PBSAuthCookie="quoted"').legacyTicket).toBe("quoted");
    expect(readCookieTickets("PBSAuthCookie=%E0%A4%A").legacyTicket).toBe("%E0%A4%A");
  });

  test("the first of two cookies with the same name is used", () => {
    expect(readCookieTickets("__Host-PBSAuthCookie=first; __Host-PBSAuthCookie=second").ticket).toBe("first");
  });

  test("whatever is formatted reads back unchanged", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (ticket) => {
        const header = formatTicketCookie(ticket);
        const pair = header.slice(0, header.indexOf("; Secure"));
        expect(readCookieTickets(pair).ticket).toBe(ticket);
      }),
      { numRuns: 300 },
    );
  });

  test("arbitrary Cookie headers never throw", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (header) => {
        const tickets = readCookieTickets(header);
        expect(tickets).toHaveProperty("ticket");
      }),
      { numRuns: 300 },
    );
  });
});
