/**
 * What the login form sends as `username`. Admins type the full `user@realm` the
 * README and PBS speak of as often as the bare name; a typed suffix naming a known
 * realm wins over the realm choice, anything else gets the chosen realm appended
 * (so `alice@example.com` of realm pbs stays a name with an `@`, as PBS allows).
 */
export function composeLoginUserid(typed: string, chosenRealm: string, knownRealms: readonly string[]): string {
  const name = typed.trim();
  const at = name.lastIndexOf("@");
  if (at > 0 && knownRealms.includes(name.slice(at + 1))) return name;
  return `${name}@${chosenRealm}`;
}
