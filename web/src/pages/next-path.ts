/** Where to go after signing in: a path of this app only, never another site. */
export function nextPath(query: Record<string, string>): string {
  const next = query.next ?? "/";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}
