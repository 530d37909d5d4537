import { describe, expect, test } from "vitest";
import {
  ConflictError,
  InvalidParameterError,
  NotFoundError,
  PermissionDeniedError,
  StoreLockTimeoutError,
  TooManyRequestsError,
} from "@gatehouse/auth-core";
import { ApiError, ERRORS } from "../errors.js";
import { describeError } from "./error-handler.js";

describe("describeError", () => {
  test("registry errors keep their status, message and extras", () => {
    expect(describeError(new ApiError("CSRF_MISSING"))).toEqual({ status: 401, message: ERRORS.CSRF_MISSING.message });
    expect(describeError(new ApiError("PARAMETER_INVALID", { errors: { userid: "bad" } }))).toEqual({
      status: 400,
      message: "parameter verification failed",
      errors: { userid: "bad" },
    });
  });

  test("auth-core's typed errors map to their statuses", () => {
    expect(describeError(new InvalidParameterError("invalid userid", { userid: "no realm" }))).toEqual({
      status: 400,
      message: "invalid userid",
      errors: { userid: "no realm" },
    });
    expect(describeError(new PermissionDeniedError()).status).toBe(403);
    expect(describeError(new NotFoundError("no such token")).status).toBe(404);
    expect(describeError(new ConflictError("digest mismatch")).status).toBe(409);
    expect(describeError(new TooManyRequestsError("slow down", 7))).toEqual({ status: 429, message: "slow down", retryAfterS: 7 });
  });

  test("a store lock timeout is a 503 that does not reveal the lock path", () => {
    const reply = describeError(new StoreLockTimeoutError("/srv/data/.lock", 5000));
    expect(reply.status).toBe(503);
    expect(reply.retryAfterS).toBeGreaterThan(0);
    expect(reply.message).not.toContain("/srv/data");
  });

  test("client errors raised inside Express stay 4xx and unknown errors become a generic 500", () => {
    expect(describeError(Object.assign(new Error("Failed to decode param"), { status: 400 })).status).toBe(400);
    expect(describeError(Object.assign(new Error("too big"), { statusCode: 413 })).status).toBe(413);
    expect(describeError(new Error("database password is hunter2"))).toEqual({ status: 500, message: "internal server error" });
  });

  test("multi-line messages become one line", () => {
    expect(describeError(new NotFoundError("no such\nuser")).message).toBe("no such user");
  });
});
