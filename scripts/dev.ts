/**
 * The embedded default: every service on this machine with hot reload, against the local
 * MySQL/MariaDB server (made to answer by scripts/ensure-mysql.sh). Applies migrations first,
 * prints every URL, and stops the services on Ctrl-C.
 */
import { migrateDatabase } from "@hangout/platform/db";

interface DevService {
  name: string;
  entry: string;
  databaseUrlVar: string;
  defaultDatabaseUrl: string;
  urls: (env: Record<string, string | undefined>) => string[];
}

const services: DevService[] = [
  {
    name: "auth",
    entry: "services/auth/src/main.ts",
    databaseUrlVar: "AUTH_DATABASE_URL",
    defaultDatabaseUrl: "mysql://hangout:hangout@127.0.0.1:3306/auth",
    urls: (env) => {
      const base = `http://${env.AUTH_HOST ?? "127.0.0.1"}:${env.AUTH_PORT ?? 3001}`;
      return [`${base}/docs`, `${base}/.well-known/jwks.json`, `${base}/metrics`];
    },
  },
];

for (const service of services) {
  await migrateDatabase(
    process.env[service.databaseUrlVar] ?? service.defaultDatabaseUrl,
    service.name,
  );
}

const children = services.map((service) =>
  Bun.spawn(["bun", "--watch", service.entry], {
    stdio: ["inherit", "inherit", "inherit"],
    env: { ...process.env, DEPLOY_ENV: process.env.DEPLOY_ENV ?? "development" },
  }),
);

console.log("\nHangout Planner (embedded default) is starting:");
for (const service of services) {
  for (const url of service.urls(process.env)) console.log(`  ${service.name.padEnd(8)} ${url}`);
}
console.log("Ctrl-C stops everything.\n");

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill("SIGTERM");
  });
}
const codes = await Promise.all(children.map((child) => child.exited));
process.exit(codes.some((code) => code !== 0 && code !== 143) ? 1 : 0);
