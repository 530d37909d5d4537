import { useMutation, useQueryClient } from "@tanstack/react-query";
import { accessKeys } from "../../../lib/query-keys.js";
import { api } from "../../../lib/api-client.js";

export interface CreateUserInput {
  userid: string;
  /** Empty leaves the user without a password (token-only or another realm). */
  password: string;
  enable: boolean;
  expire: number;
  comment: string;
  firstname: string;
  lastname: string;
  email: string;
}

export function createUser(input: CreateUserInput): Promise<unknown> {
  const body: Record<string, unknown> = { userid: input.userid, enable: input.enable, expire: input.expire };
  if (input.password !== "") body["password"] = input.password;
  for (const key of ["comment", "firstname", "lastname", "email"] as const) {
    const value = input[key].trim();
    if (value !== "") body[key] = value;
  }
  return api.request<unknown>("POST", "/access/users", { body });
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createUser,
    // The variables carry the initial password.
    gcTime: 0,
    onSettled: () => queryClient.invalidateQueries({ queryKey: accessKeys.users }),
  });
}
