/** A token as the token table shows it: one row of `GET /access/tokens` (get-token-page.ts). */
import type { TokenStatus } from "../../../lib/token-status.js";

export interface TokenRow {
  /** `user@realm!name` */
  tokenid: string;
  userid: string;
  tokenName: string;
  /** PBS leaves `enable` out when it is the default, true. */
  enable: boolean;
  /** Epoch seconds, 0 for never. */
  expire: number;
  comment: string;
  /** The server's effective status: the owner's state and the expiry included. */
  status: TokenStatus;
  /** Epoch seconds; undefined for tokens made before creation times were kept. */
  created: number | undefined;
  /** The last use at minute precision and its source address; undefined if never used. */
  lastUsed: number | undefined;
  lastUsedSource: string | undefined;
  /** During a rotation's overlap: the second from which the replaced secret is refused. */
  previousSecretUntil: number | undefined;
}
