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
}
