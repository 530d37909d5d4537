import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { z } from "zod";
import { err, ok } from "@gatehouse/auth-core";
import { ApiError } from "./errors.js";
import {
  formInteger,
  identifier,
  mergeParameterSources,
  oneOf,
  parseParams,
  pbsBoolean,
  propertyList,
  text,
  toPlainRecord,
} from "./params.js";

function parameterErrors(action: () => unknown): Record<string, string> {
  try {
    action();
  } catch (error) {
    if (error instanceof ApiError && error.code === "PARAMETER_INVALID") return error.details.errors ?? {};
    throw error;
  }
  throw new Error("expected a parameter error");
}

describe("pbsBoolean", () => {
  const schema = z.strictObject({ flag: pbsBoolean() });

  test("accepts JSON booleans, 0/1 and the form words in any case", () => {
    for (const yes of [true, 1, "1", "true", "True", "yes", "on"]) expect(parseParams(schema, { flag: yes })).toEqual({ flag: true });
    for (const no of [false, 0, "0", "false", "FALSE", "no", "off"]) expect(parseParams(schema, { flag: no })).toEqual({ flag: false });
  });

  test("rejects anything else with a readable reason", () => {
    for (const bad of ["2", "maybe", "", 2, null, ["1"], {}]) {
      expect(parameterErrors(() => parseParams(schema, { flag: bad }))).toEqual({
        flag: "expected a boolean (true, false, 1 or 0)",
      });
    }
  });
});

describe("formInteger", () => {
  const schema = z.strictObject({ expire: formInteger({ min: 0, max: 100 }) });

  test("accepts integers as numbers or decimal strings", () => {
    expect(parseParams(schema, { expire: 7 })).toEqual({ expire: 7 });
    expect(parseParams(schema, { expire: "42" })).toEqual({ expire: 42 });
  });

  test("rejects fractions, out-of-range values, exponents and junk", () => {
    for (const bad of [1.5, -1, 101, "1e2", "0x10", "12abc", "", "99999999999999999999", Number.NaN]) {
      expect(parameterErrors(() => parseParams(schema, { expire: bad }))).toEqual({ expire: "expected an integer from 0 to 100" });
    }
  });
});

describe("text", () => {
  test("enforces the maximum length and single-line values", () => {
    const schema = z.strictObject({ comment: text({ max: 5 }) });
    expect(parseParams(schema, { comment: "hello" })).toEqual({ comment: "hello" });
    expect(parameterErrors(() => parseParams(schema, { comment: "hello!" }))).toEqual({
      comment: "value too long (at most 5 characters)",
    });
    for (const bad of ["a\nb", "a\u0085", "\u202eab", "a\u2066b"]) {
      expect(parameterErrors(() => parseParams(schema, { comment: bad }))).toEqual({
        comment: "control and bidi override characters are not allowed",
      });
    }
  });

  test("a repeated form key (an array) is not a single value", () => {
    const schema = z.strictObject({ comment: text({ max: 5 }) });
    expect(parameterErrors(() => parseParams(schema, { comment: ["a", "b"] }))).toEqual({
      comment: "expected a single string value",
    });
  });
});

describe("identifier", () => {
  const parseShort = (raw: string) => (raw.includes("@") ? ok(raw) : err("missing realm"));
  const schema = z.strictObject({ userid: identifier(parseShort) });

  test("delegates the id rules to the given parser", () => {
    expect(parseParams(schema, { userid: "a@pbs" })).toEqual({ userid: "a@pbs" });
    expect(parameterErrors(() => parseParams(schema, { userid: "a" }))).toEqual({ userid: "missing realm" });
  });

  test("refuses overlong ids before parsing them", () => {
    expect(parameterErrors(() => parseParams(schema, { userid: `${"a".repeat(70)}@pbs` }))).toEqual({
      userid: "value too long (at most 64 characters)",
    });
  });
});

describe("oneOf and propertyList", () => {
  test("oneOf accepts only the listed values", () => {
    const schema = z.strictObject({ role: oneOf(["Admin", "Audit"]) });
    expect(parseParams(schema, { role: "Audit" })).toEqual({ role: "Audit" });
    expect(parameterErrors(() => parseParams(schema, { role: "Root" }))).toEqual({ role: "expected one of: Admin, Audit" });
  });

  test("propertyList reads repeated keys, arrays and separated strings and drops duplicates", () => {
    const schema = z.strictObject({ delete: propertyList(["comment", "email"]) });
    expect(parseParams(schema, { delete: ["comment", "email"] })).toEqual({ delete: ["comment", "email"] });
    expect(parseParams(schema, { delete: "comment,email;comment" })).toEqual({ delete: ["comment", "email"] });
    expect(parseParams(schema, { delete: "email" })).toEqual({ delete: ["email"] });
    expect(parameterErrors(() => parseParams(schema, { delete: "password" }))).toEqual({
      delete: "cannot delete 'password' (allowed: comment, email)",
    });
  });
});

describe("parseParams", () => {
  const schema = z.strictObject({ name: text({ max: 10 }), enable: pbsBoolean().optional() });

  test("names each unknown, missing and bad parameter in one error", () => {
    expect(parameterErrors(() => parseParams(schema, { enable: "x", extra: "1" }))).toEqual({
      name: "parameter is missing",
      enable: "expected a boolean (true, false, 1 or 0)",
      extra: "unknown parameter",
    });
  });

  test("a __proto__ key is reported as an unknown parameter, not merged into the prototype", () => {
    const raw = toPlainRecord(JSON.parse('{"__proto__": {"polluted": true}, "name": "x"}'));
    expect(parameterErrors(() => parseParams(schema, raw))).toEqual({ ["__proto__"]: "unknown parameter" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("never throws anything but a parameter error for arbitrary input", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (raw) => {
        try {
          parseParams(schema, toPlainRecord(raw));
        } catch (error) {
          expect(error).toBeInstanceOf(ApiError);
          expect((error as ApiError).status).toBe(400);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("mergeParameterSources", () => {
  test("combines sources and refuses a key given twice", () => {
    expect(mergeParameterSources({ a: "1" }, { b: "2" })).toEqual({ a: "1", b: "2" });
    expect(parameterErrors(() => mergeParameterSources({ a: "1" }, { a: "2" }))).toEqual({ a: "parameter given more than once" });
  });

  test("toPlainRecord turns non-objects into an empty record", () => {
    expect(toPlainRecord(undefined)).toEqual({});
    expect(toPlainRecord([1, 2])).toEqual({});
    expect(toPlainRecord("x")).toEqual({});
  });
});
