/**
 * docker-compose.yml as its tests (here, in telemetry/ and envoy/) read it: the services, its
 * `${VAR:-default}` values as they resolve with no environment, and the named volumes a service
 * mounts.
 */
import { type Any, yamlFile } from "@hangout/platform/testing/repository";

export const services: Record<string, Any> = yamlFile("docker-compose.yml").services;

/** Resolves compose interpolation with defaults only (the environment is ignored on purpose). */
export function resolveComposeVars(value: string): string {
  return value
    .replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g,
      (_, _name: string, dflt?: string) => dflt ?? "",
    )
    .replace(/\$\$/g, "$");
}

/** A service's named-volume mounts: source volume, target path, read-only. */
export function namedMounts(svc: Any): { volume: string; target: string; readOnly: boolean }[] {
  return ((svc.volumes ?? []) as unknown[])
    .map((v) => resolveComposeVars(String(v)).split(":"))
    .filter(([source]) => !source!.startsWith(".") && !source!.startsWith("/"))
    .map(([volume, target, mode]) => ({
      volume: volume!,
      target: target!,
      readOnly: mode === "ro",
    }));
}
