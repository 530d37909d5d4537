/**
 * When a ticket was issued, read from the ticket itself or from the HttpOnly
 * flow's `ticket-info` (`PBS:<authid>:<8 upper-hex seconds>::...`, docs/design.md,
 * wire contract). Both carry the time in the clear; only the signature differs.
 */
const TICKET_TIME = /^PBS:.+:([0-9A-F]{8})::/;

/** Unix seconds, or null when the value is not shaped like a PBS ticket. */
export function readTicketTime(ticketOrInfo: string): number | null {
  const match = TICKET_TIME.exec(ticketOrInfo);
  return match?.[1] === undefined ? null : Number.parseInt(match[1], 16);
}
