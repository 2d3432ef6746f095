/** What this module needs of an Elysia app's routes. */
export interface RouteEntry {
  method: string;
  path: string;
}

/** A route path (`/hangouts/:id`, `/docs/*`) as a regular expression over request paths. */
export const routePattern = (path: string) =>
  new RegExp(
    `^${path
      .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
      .replace(/:[^/]+/g, "[^/]+")
      .replace(/\*/g, ".*")}$`,
  );

/**
 * The methods served on a path, for the 405 and `Allow` of a request whose path exists but not
 * with its method. Built on first use: routes are all registered by then.
 */
export function allowedMethods(routes: () => readonly RouteEntry[]) {
  let compiled: { method: string; pattern: RegExp }[] | undefined;
  return (path: string): string[] => {
    compiled ??= routes().map((route) => ({
      method: route.method,
      pattern: routePattern(route.path),
    }));
    const methods = new Set<string>();
    for (const route of compiled) if (route.pattern.test(path)) methods.add(route.method);
    return [...methods].sort();
  };
}
