/**
 * Zod helpers for PBS-style API parameters. Parameters arrive as JSON values or as
 * form strings (proxmoxer sends forms, and forms repeat a key for a list), so every
 * scalar helper accepts both spellings and rejects anything else with a message
 * that fits in the `errors` map of a 400.
 *
 * A helper's transform is opaque to zod's JSON-schema output, so each one also
 * declares (in `.meta`) the JSON schema of what it accepts; the OpenAPI document
 * (openapi.ts) is built from these.
 */
import { z } from "zod";
import { hasForbiddenTextCharacter, type Result } from "@gatehouse/auth-core";
import { createParameterError } from "./errors.js";

/** A bound for any free-text parameter that has no tighter one. */
export const MAX_TEXT_LENGTH = 4096;

const TRUE_WORDS = new Set(["1", "true", "yes", "on"]);
const FALSE_WORDS = new Set(["0", "false", "no", "off"]);

const FORM_INTEGER = /^-?\d{1,16}$/;

/**
 * A PBS boolean: JSON true/false/1/0, or the form words true/false/1/0 (also
 * yes/no/on/off, which PBS accepts), in any case because Python clients send `True`.
 */
export function pbsBoolean() {
  return z
    .unknown()
    .transform((value, ctx): boolean => {
      if (value === true || value === 1) return true;
      if (value === false || value === 0) return false;
      if (typeof value === "string") {
        const word = value.trim().toLowerCase();
        if (TRUE_WORDS.has(word)) return true;
        if (FALSE_WORDS.has(word)) return false;
      }
      ctx.issues.push({ code: "custom", message: "expected a boolean (true, false, 1 or 0)", input: value });
      return z.NEVER;
    })
    .meta({
      anyOf: [
        { type: "boolean" },
        { type: "integer", enum: [0, 1] },
        { type: "string", enum: [...TRUE_WORDS, ...FALSE_WORDS], description: "any letter case" },
      ],
    });
}

/** An integer from JSON or from a decimal form string, within [min, max]. */
export function formInteger(bounds: { min: number; max: number }) {
  const range = `an integer from ${bounds.min} to ${bounds.max}`;
  return z
    .unknown()
    .transform((value, ctx): number => {
      let parsed: number | null = null;
      if (typeof value === "number" && Number.isSafeInteger(value)) parsed = value;
      if (typeof value === "string" && FORM_INTEGER.test(value.trim())) parsed = Number(value.trim());
      if (parsed === null || !Number.isSafeInteger(parsed) || parsed < bounds.min || parsed > bounds.max) {
        ctx.issues.push({ code: "custom", message: `expected ${range}`, input: value });
        return z.NEVER;
      }
      return parsed;
    })
    .meta({
      anyOf: [
        { type: "integer", minimum: bounds.min, maximum: bounds.max },
        { type: "string", pattern: FORM_INTEGER.source, description: `decimal digits, ${range}` },
      ],
    });
}

/** A string of bounded length; single-line unless `multiLine` is set. */
export function text(bounds: { max: number; min?: number; multiLine?: boolean }) {
  const min = bounds.min ?? 0;
  return z
    .unknown()
    .transform((value, ctx): string => {
      if (typeof value !== "string") {
        ctx.issues.push({ code: "custom", message: "expected a single string value", input: value });
        return z.NEVER;
      }
      if (value.length > bounds.max) {
        ctx.issues.push({ code: "custom", message: `value too long (at most ${bounds.max} characters)`, input: value });
        return z.NEVER;
      }
      if (value.length < min) {
        ctx.issues.push({ code: "custom", message: `value too short (at least ${min} characters)`, input: value });
        return z.NEVER;
      }
      // Single-line values hold no control or bidi override characters (auth-core's one
      // rule), so a comment cannot forge lines in a CLI listing or a log, or reorder text.
      if (bounds.multiLine !== true && hasForbiddenTextCharacter(value)) {
        ctx.issues.push({ code: "custom", message: "control and bidi override characters are not allowed", input: value });
        return z.NEVER;
      }
      return value;
    })
    .meta({ type: "string", minLength: min, maxLength: bounds.max });
}

/**
 * An identifier checked by one of auth-core's id parsers (userid, authid, token
 * name), so the id rules live in one place.
 */
export function identifier(parse: (raw: string) => Result<unknown>, maxLength = 64) {
  return z
    .unknown()
    .transform((value, ctx): string => {
      if (typeof value !== "string") {
        ctx.issues.push({ code: "custom", message: "expected a single string value", input: value });
        return z.NEVER;
      }
      if (value.length > maxLength) {
        ctx.issues.push({ code: "custom", message: `value too long (at most ${maxLength} characters)`, input: value });
        return z.NEVER;
      }
      const parsed = parse(value);
      if (!parsed.ok) {
        ctx.issues.push({ code: "custom", message: parsed.error, input: value });
        return z.NEVER;
      }
      return value;
    })
    .meta({ type: "string", maxLength });
}

/** One value of a fixed set. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z
    .unknown()
    .transform((value, ctx): T[number] => {
      const match = values.find((candidate) => candidate === value);
      if (match !== undefined) return match;
      ctx.issues.push({ code: "custom", message: `expected one of: ${values.join(", ")}`, input: value });
      return z.NEVER;
    })
    .meta({ type: "string", enum: [...values] });
}

/**
 * The PBS `delete` parameter: property names to clear, either repeated (form),
 * as a JSON array, or as one comma/semicolon/space separated string.
 */
export function propertyList<const T extends readonly [string, ...string[]]>(allowed: T) {
  const known = new Set<string>(allowed);
  return z
    .unknown()
    .transform((value, ctx): T[number][] => {
      const parts = Array.isArray(value) ? value : [value];
      const names: T[number][] = [];
      for (const part of parts) {
        if (typeof part !== "string" || part.length > MAX_TEXT_LENGTH) {
          ctx.issues.push({ code: "custom", message: "expected a list of property names", input: value });
          return z.NEVER;
        }
        for (const name of part.split(/[,;\s]+/)) {
          if (name === "") continue;
          if (!known.has(name)) {
            ctx.issues.push({
              code: "custom",
              message: `cannot delete '${name.slice(0, 32)}' (allowed: ${allowed.join(", ")})`,
              input: value,
            });
            return z.NEVER;
          }
          if (!names.includes(name)) names.push(name);
        }
      }
      return names;
    })
    .meta({
      anyOf: [
        { type: "array", items: { type: "string", enum: [...allowed] } },
        { type: "string", description: `a list of ${allowed.join(", ")} separated by commas, semicolons or spaces` },
      ],
    });
}

/**
 * Copies untrusted key/value input into a plain object. `Object.fromEntries`
 * defines properties, so a `__proto__` key stays an ordinary (unknown) key instead
 * of changing the prototype, and null-prototype objects from the query parser
 * become ordinary ones.
 */
export function toPlainRecord(input: unknown): Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return {};
  return Object.fromEntries(Object.entries(input));
}

/**
 * Merges the parameter sources of one request. A key given in two places is a
 * parameter error rather than a silent pick, so a query string cannot shadow the body.
 */
export function mergeParameterSources(...sources: Record<string, unknown>[]): Record<string, unknown> {
  const merged = new Map<string, unknown>();
  const errors = new Map<string, string>();
  for (const source of sources) {
    for (const [key, value] of Object.entries(source)) {
      if (merged.has(key)) errors.set(limitKey(key), "parameter given more than once");
      else merged.set(key, value);
    }
  }
  if (errors.size > 0) throw createParameterError(Object.fromEntries(errors));
  return Object.fromEntries(merged);
}

/**
 * Parses `raw` with a strict object schema. Unknown keys, missing values and bad
 * values all become one 400 whose `errors` names each offending parameter.
 */
export function parseParams<S extends z.ZodType>(schema: S, raw: Record<string, unknown>): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  // A Map, because a key such as `__proto__` must stay an ordinary key.
  const errors = new Map<string, string>();
  const note = (key: string, reason: string) => {
    const shown = limitKey(key);
    if (!errors.has(shown)) errors.set(shown, reason);
  };
  for (const issue of parsed.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) note(key, "unknown parameter");
      continue;
    }
    const first = issue.path[0];
    if (first === undefined) {
      note("parameters", issue.message);
      continue;
    }
    note(String(first), Object.hasOwn(raw, String(first)) ? issue.message : "parameter is missing");
  }
  throw createParameterError(Object.fromEntries(errors));
}

// An attacker-chosen key is echoed back in `errors`; keep it short.
function limitKey(key: string): string {
  return key.length > 64 ? `${key.slice(0, 64)}...` : key;
}
