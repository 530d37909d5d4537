import { describe, expect, test } from "vitest";
import { loadConfig } from "./config.js";
import { deriveWebauthnConfig } from "./webauthn-config.js";

describe("WebAuthn relying party from the configuration", () => {
  test("a loopback or wildcard listen address defaults to localhost, a name to itself", () => {
    expect(deriveWebauthnConfig("127.0.0.1", 8007, undefined, undefined)).toEqual({
      rpId: "localhost",
      origins: ["https://localhost:8007"],
    });
    expect(deriveWebauthnConfig("0.0.0.0", 443, undefined, undefined)).toEqual({ rpId: "localhost", origins: ["https://localhost"] });
    expect(deriveWebauthnConfig("Backup.Example", 8007, undefined, undefined)).toEqual({
      rpId: "backup.example",
      origins: ["https://backup.example:8007"],
    });
  });

  test("an IP address as rp id, a non-origin or a plain-http origin stops the server with the variable named", () => {
    for (const [name, value, pattern] of [
      ["GATEHOUSE_WEBAUTHN_RP_ID", "10.0.0.1", /GATEHOUSE_WEBAUTHN_RP_ID must be a host name, not an IP address/],
      ["GATEHOUSE_WEBAUTHN_RP_ID", "bad_name!", /GATEHOUSE_WEBAUTHN_RP_ID must be a host name/],
      ["GATEHOUSE_WEBAUTHN_ORIGIN", "https://backup.example:8007/login", /must be an origin/],
      ["GATEHOUSE_WEBAUTHN_ORIGIN", "http://backup.example", /must use https/],
      ["GATEHOUSE_WEBAUTHN_ORIGIN", "not a url", /is not a URL/],
    ] as const) {
      const result = loadConfig({ [name]: value }, "/");
      expect(result.ok, `${name}=${value}`).toBe(false);
      if (!result.ok) expect(result.error).toMatch(pattern);
    }
  });
});
