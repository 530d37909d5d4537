import { QueryObserver } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { ApiError } from "../lib/api-error.js";
import { createQueryClient } from "./query-client.js";

async function settled(client: ReturnType<typeof createQueryClient>): Promise<void> {
  // Bounded: a loop of refetches would not settle within these turns and fail below.
  for (let turn = 0; turn < 50 && (client.isFetching() > 0 || client.isMutating() > 0); turn += 1) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("createQueryClient: after a 403 the cached lists are refetched", () => {
  it("a refused mutation marks every cached query stale and refetches the shown ones", async () => {
    const client = createQueryClient();
    let userLoads = 0;
    const observer = new QueryObserver(client, {
      queryKey: ["access", "users", "page"],
      queryFn: () => {
        userLoads += 1;
        return Promise.resolve(["admin@pbs"]);
      },
    });
    const unsubscribe = observer.subscribe(() => undefined);
    await settled(client);
    client.setQueryData(["access", "acl"], []);
    expect(userLoads).toBe(1);

    await client
      .getMutationCache()
      .build(client, { mutationFn: () => Promise.reject(new ApiError(403, "permission check failed")) })
      .execute(undefined)
      .catch(() => undefined);
    await settled(client);

    expect(userLoads).toBe(2);
    expect(client.getQueryState(["access", "acl"])?.isInvalidated).toBe(true);
    unsubscribe();
  });

  it("two lists refused with 403 do not set each other off in a loop", async () => {
    const client = createQueryClient();
    const loads = { a: 0, b: 0 };
    const observe = (name: "a" | "b") =>
      new QueryObserver(client, {
        queryKey: ["list", name],
        queryFn: () => {
          loads[name] += 1;
          return Promise.reject(new ApiError(403, "permission check failed"));
        },
      }).subscribe(() => undefined);
    const stop = [observe("a"), observe("b")];
    await settled(client);
    expect(client.isFetching()).toBe(0);
    expect(loads.a).toBeLessThanOrEqual(2);
    expect(loads.b).toBeLessThanOrEqual(2);
    for (const unsubscribe of stop) unsubscribe();
  });

  it("other errors refetch nothing", async () => {
    const client = createQueryClient();
    client.setQueryData(["access", "acl"], []);
    await client
      .getMutationCache()
      .build(client, { mutationFn: () => Promise.reject(new ApiError(409, "already exists")) })
      .execute(undefined)
      .catch(() => undefined);
    expect(client.getQueryState(["access", "acl"])?.isInvalidated).toBe(false);
  });
});
