/**
 * A value now, or a promise of it later. The per-request authentication path
 * returns this so a cache hit costs no promise and no microtask; anything that
 * has to wait for I/O hands back a promise of the same decision.
 */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Applies `next` to `value` at once when it is already there, after it settles
 * otherwise. A throw from `next` on the synchronous branch propagates as a throw;
 * callers that need one error channel wrap the call themselves.
 *
 * Not named `then`: a module that exports `then` is itself a thenable, and
 * `await import()` of it would call the function instead of yielding the module.
 */
export function whenResolved<T, U>(value: MaybePromise<T>, next: (resolved: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
