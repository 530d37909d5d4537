import { MutationCache, QueryCache, QueryClient, type Query } from "@tanstack/react-query";
import { isClientError, isPermissionDenied } from "../lib/api-error.js";

const MAX_RETRIES = 2;

/**
 * After any 403 the console's idea of the caller's rights is stale (an admin may just
 * have removed their own Admin entry): every cached list and the caller's rights are
 * refetched, so nothing shown is more than the server now allows. Queries that are
 * themselves failing with 403 are left alone, so two refused lists cannot set each
 * other off in a loop.
 */
function refetchAfterPermissionDenied(client: QueryClient, failed?: Query<unknown, unknown, unknown, readonly unknown[]>): void {
  void client.invalidateQueries({
    predicate: (query) => query !== failed && !isPermissionDenied(query.state.error),
  });
}

export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (isPermissionDenied(error)) refetchAfterPermissionDenied(client, query);
      },
    }),
    mutationCache: new MutationCache({
      onError: (error) => {
        if (isPermissionDenied(error)) refetchAfterPermissionDenied(client);
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // A 4xx will not change on retry (and a 401 has already ended the session).
        retry: (failureCount, error) => !isClientError(error) && failureCount < MAX_RETRIES,
      },
      mutations: { retry: false },
    },
  });
  return client;
}
