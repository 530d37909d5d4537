/** Time source, injected so that tests control time instead of sleeping. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

/** Whole seconds since the Unix epoch, the unit of tickets, CSRF tokens and expiry. */
export function nowEpochSeconds(clock: Clock): number {
  return Math.floor(clock.nowMs() / 1000);
}

/** A clock that moves only when told to; for tests. */
export class ManualClock implements Clock {
  constructor(private currentMs: number = Date.UTC(2026, 0, 1)) {}
  nowMs(): number {
    return this.currentMs;
  }
  advanceMs(ms: number): void {
    this.currentMs += ms;
  }
  advanceSeconds(s: number): void {
    this.currentMs += s * 1000;
  }
}
