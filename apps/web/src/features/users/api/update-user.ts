import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, encodePathSegment } from "../../../lib/api-client.js";
import { accessKeys } from "../../../lib/query-keys.js";

export interface UpdateUserInput {
  userid: string;
  enable: boolean;
  expire: number;
  /** Empty strings clear the property. */
  comment: string;
  firstname: string;
  lastname: string;
  email: string;
}

export function updateUser(input: UpdateUserInput): Promise<unknown> {
  const body: Record<string, unknown> = { enable: input.enable, expire: input.expire };
  const cleared: string[] = [];
  for (const key of ["comment", "firstname", "lastname", "email"] as const) {
    const value = input[key].trim();
    // PBS clears a property through `delete`; an empty string would be stored as is.
    if (value === "") cleared.push(key);
    else body[key] = value;
  }
  if (cleared.length > 0) body["delete"] = cleared;
  return api.request<unknown>("PUT", `/access/users/${encodePathSegment(input.userid)}`, { body });
}

export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateUser,
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: accessKeys.users }),
        // Disabling a user takes the privileges of the user and its tokens away.
        queryClient.invalidateQueries({ queryKey: accessKeys.permissions }),
      ]),
  });
}
