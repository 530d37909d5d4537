import { describe, expect, it } from "vitest";
import { generateTokenSecret, isWellFormedTokenSecret } from "./token-secret.js";

describe("generateTokenSecret", () => {
  it("returns a lowercase v4 UUID", () => {
    const secret = generateTokenSecret();
    expect(secret).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(isWellFormedTokenSecret(secret)).toBe(true);
  });

  it("returns a different secret each time", () => {
    const secrets = new Set(Array.from({ length: 100 }, () => generateTokenSecret()));
    expect(secrets.size).toBe(100);
  });
});

describe("isWellFormedTokenSecret", () => {
  it("accepts a lowercase UUID of any version", () => {
    expect(isWellFormedTokenSecret("0b5b8e5e-6a43-4f6f-9b0e-3f1c2a7d9e11")).toBe(true);
    expect(isWellFormedTokenSecret("0b5b8e5e-6a43-1f6f-9b0e-3f1c2a7d9e11")).toBe(true);
  });

  it("refuses uppercase, missing dashes, wrong lengths and extra characters", () => {
    for (const s of [
      "0B5B8E5E-6A43-4F6F-9B0E-3F1C2A7D9E11",
      "0b5b8e5e6a434f6f9b0e3f1c2a7d9e11",
      "0b5b8e5e-6a43-4f6f-9b0e-3f1c2a7d9e1",
      "0b5b8e5e-6a43-4f6f-9b0e-3f1c2a7d9e111",
      " 0b5b8e5e-6a43-4f6f-9b0e-3f1c2a7d9e11",
      "0b5b8e5e-6a43-4f6f-9b0e-3f1c2a7d9e11\n",
      "0b5b8e5e-6a43-4f6f-9b0e-3f1c2a7d9g11",
      "",
      "password",
    ]) {
      expect(isWellFormedTokenSecret(s), JSON.stringify(s)).toBe(false);
    }
  });
});
