/**
 * `POST /access/tfa/{userid}`: adding a second factor, always with the caller's own
 * password again (PBS's `user_update_auth`). TOTP sends the otpauth URI and a current
 * code, which the server checks before saving; recovery keys come back in clear in
 * this answer only; WebAuthn takes two posts around the browser's ceremony.
 */
import { startRegistration } from "@simplewebauthn/browser";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, encodePathSegment } from "../../../lib/api-client.js";
import { ApiError } from "../../../lib/api-error.js";
import type { WireTfaUpdateInfo } from "../../../lib/wire.js";
import { tfaKeys } from "./get-tfa.js";

function postFactor(userid: string, body: Record<string, unknown>): Promise<WireTfaUpdateInfo> {
  return api.request<WireTfaUpdateInfo>("POST", `/access/tfa/${encodePathSegment(userid)}`, { body });
}

export interface AddTotpInput {
  userid: string;
  description: string;
  /** The `otpauth://totp/...` URI the QR code showed. */
  uri: string;
  code: string;
  password: string;
}

export function addTotp(input: AddTotpInput): Promise<WireTfaUpdateInfo> {
  return postFactor(input.userid, {
    type: "totp",
    description: input.description,
    totp: input.uri,
    value: input.code,
    password: input.password,
  });
}

export interface AddRecoveryInput {
  userid: string;
  password: string;
}

/** The ten keys in clear: the server keeps only their hashes. */
export async function addRecoveryKeys(input: AddRecoveryInput): Promise<string[]> {
  const info = await postFactor(input.userid, { type: "recovery", password: input.password });
  if (info.recovery === undefined) throw new ApiError(200, "the server answered without the recovery keys");
  return info.recovery;
}

export interface AddSecurityKeyInput {
  userid: string;
  description: string;
  password: string;
}

/** Thrown when the browser's part failed; the server's challenge then simply expires. */
export class BrowserCeremonyError extends Error {
  override readonly name = "BrowserCeremonyError";

  constructor(readonly cause: unknown) {
    super("the browser's WebAuthn ceremony failed");
  }
}

function readCreationOptions(challenge: string) {
  const parsed = JSON.parse(challenge) as { publicKey?: Parameters<typeof startRegistration>[0]["optionsJSON"] };
  if (parsed.publicKey === undefined) throw new ApiError(200, "the server's registration challenge carries no publicKey options");
  return parsed.publicKey;
}

export async function addSecurityKey(input: AddSecurityKeyInput): Promise<WireTfaUpdateInfo> {
  const started = await postFactor(input.userid, { type: "webauthn", description: input.description, password: input.password });
  if (started.challenge === undefined) throw new ApiError(200, "the server answered without a registration challenge");
  let credential: unknown;
  try {
    credential = await startRegistration({ optionsJSON: readCreationOptions(started.challenge) });
  } catch (error) {
    throw new BrowserCeremonyError(error);
  }
  return postFactor(input.userid, {
    type: "webauthn",
    challenge: started.challenge,
    value: JSON.stringify(credential),
    password: input.password,
  });
}

function useAddMutation<Input, Output>(mutationFn: (input: Input) => Promise<Output>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn,
    // The variables hold the password.
    gcTime: 0,
    onSettled: () => queryClient.invalidateQueries({ queryKey: tfaKeys.all }),
  });
}

export function useAddTotp() {
  return useAddMutation(addTotp);
}

export function useAddRecoveryKeys() {
  return useAddMutation(addRecoveryKeys);
}

export function useAddSecurityKey() {
  return useAddMutation(addSecurityKey);
}
