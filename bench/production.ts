// How production runs a service, so the bench measures that and not the sources: the command and
// the runtime's memory settings (BUN_*, MIMALLOC_*, glibc's MALLOC_*) of its docker-compose.yml entry, against a
// bundle built for this run by scripts/build.ts. The app's own settings (ports, databases, …)
// stay the bench's.
import { parse as parseYaml } from "yaml";
import { buildService, ROOT, type Service } from "../scripts/build.ts";

/** The runtime's own settings in a compose entry (Bun's, JavaScriptCore's, mimalloc's, glibc's). */
export const RUNTIME_VARIABLE = /^(BUN_|MIMALLOC_|MALLOC_)/;

interface ComposeService {
  command: string[];
  environment?: Record<string, string | number | boolean>;
}

export interface ProductionProcess {
  cmd: string[];
  env: Record<string, string>;
  /** For the bench's header line. */
  describe: string;
}

const built = new Map<Service, Promise<string>>();

export async function productionProcess(service: Service): Promise<ProductionProcess> {
  if (!built.has(service)) built.set(service, buildService(service));
  const bundle = await (built.get(service) as Promise<string>);
  const compose = parseYaml(await Bun.file(`${ROOT}/docker-compose.yml`).text(), { merge: true });
  const entry = compose.services[service] as ComposeService;
  if (entry.command.at(-1) !== bundle.slice(ROOT.length + 1)) {
    throw new Error(
      `docker-compose.yml runs ${entry.command.join(" ")} for ${service}, not ${bundle}`,
    );
  }
  const env = Object.fromEntries(
    Object.entries(entry.environment ?? {})
      .filter(([name]) => RUNTIME_VARIABLE.test(name))
      .map(([name, value]) => [name, String(value)]),
  );
  const settings = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  return {
    cmd: entry.command,
    env,
    describe: `${entry.command.join(" ")}${settings.length ? ` with ${settings.join(" ")}` : ""}`,
  };
}
