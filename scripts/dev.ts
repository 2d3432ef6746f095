/**
 * The embedded default: every service on this machine with hot reload, against the local
 * MySQL/MariaDB server (made to answer by scripts/ensure-mysql.sh), the local RabbitMQ (made to
 * answer by scripts/ensure-rabbitmq.sh), the local clamd that the media worker scans photos with
 * (made to answer by scripts/ensure-clamav.sh, on CLAMD_SOCKET), a real step-ca (built from Debian's sources by
 * scripts/ensure-step-ca.sh, bootstrapped into .data/step-ca), and in this process an
 * S3-compatible store (port 4566) and an SMTP sink that keeps every email the notification
 * service sends (SMTP 1025; the mail page and Mailpit's read API on 8025). Applies migrations
 * first, prints every URL, and stops everything on Ctrl-C.
 *
 * Logs: readable (pino-pretty) when stdout is a terminal, the services' JSON lines otherwise.
 * Every port comes from the services' own variables (AUTH_PORT, AUTH_GRPC_PORT, FILE_HTTP_PORT,
 * FILE_GRPC_PORT, HANGOUT_PORT, NOTIFICATION_PORT, MEDIA_HTTP_PORT), plus S3_LOCAL_PORT, SMTP_LOCAL_PORT,
 * SMTP_LOCAL_HTTP_PORT and STEP_CA_ADDRESS (host:port) for what runs here; the links between
 * services (auth's JWKS and gRPC, file's gRPC, the SMTP server) follow them unless set themselves.
 */
import { migrateDatabase } from "@hangout/platform/db";
import { PARSER_HEADER_LIMIT_FLAG } from "@hangout/platform/request-limits";
import { startMailSink } from "@hangout/platform/testing/mail-sink";
import { startLocalS3 } from "@hangout/platform/testing/s3-server";
import { isColorSupported } from "pino-pretty";
import { bootstrapCa } from "../step-ca/bootstrap.ts";
import { ensureStepCaBinary, startStepCa } from "../step-ca/run.ts";
import { pipeLogs } from "./dev-logs.ts";

type Env = Record<string, string | undefined>;

interface DevService {
  name: string;
  entry: string;
  /** Migrated before anything starts; the media worker has none. */
  database?: { urlVar: string; defaultUrl: string };
  urls: (env: Env) => string[];
}

const authPort = (env: Env) => env.AUTH_PORT || "3001";
const authGrpcPort = (env: Env) => env.AUTH_GRPC_PORT || "50052";
const fileGrpcPort = (env: Env) => env.FILE_GRPC_PORT || "50051";

const services: DevService[] = [
  {
    name: "auth",
    entry: "services/auth/src/main.ts",
    database: {
      urlVar: "AUTH_DATABASE_URL",
      defaultUrl: "mysql://hangout:hangout@127.0.0.1:3306/auth",
    },
    urls: (env) => {
      const base = `http://${env.AUTH_HOST || "127.0.0.1"}:${authPort(env)}`;
      const grpc = `localhost:${authGrpcPort(env)}`;
      return [
        `${base}/docs`,
        `${base}/.well-known/jwks.json`,
        `${base}/metrics`,
        `${grpc} (gRPC, mTLS: auth.v1.UserDirectory)`,
      ];
    },
  },
  {
    name: "file",
    entry: "services/file/src/main.ts",
    database: {
      urlVar: "FILE_DATABASE_URL",
      defaultUrl: "mysql://hangout:hangout@127.0.0.1:3306/file",
    },
    urls: (env) => {
      const base = `http://${env.FILE_HOST || "127.0.0.1"}:${env.FILE_HTTP_PORT || 3003}`;
      return [
        `${base}/readyz`,
        `${base}/metrics`,
        `localhost:${fileGrpcPort(env)} (gRPC, mTLS: file.v1.FileService)`,
      ];
    },
  },
  {
    name: "hangout",
    entry: "services/hangout/src/main.ts",
    database: {
      urlVar: "HANGOUT_DATABASE_URL",
      defaultUrl: "mysql://hangout:hangout@127.0.0.1:3306/hangout",
    },
    urls: (env) => {
      const base = `http://${env.HANGOUT_HOST || "127.0.0.1"}:${env.HANGOUT_PORT || 3002}`;
      return [`${base}/docs`, `${base}/hangouts`, `${base}/metrics`];
    },
  },
  {
    name: "notification",
    entry: "services/notification/src/main.ts",
    database: {
      urlVar: "NOTIFICATION_DATABASE_URL",
      defaultUrl: "mysql://hangout:hangout@127.0.0.1:3306/notification",
    },
    urls: (env) => [`${notificationBase(env)}/docs`, `${notificationBase(env)}/metrics`],
  },
  {
    // The photo worker: no API, only these (docs/decisions/0018-photo-pipeline.md).
    name: "media",
    entry: "services/media/src/main.ts",
    urls: (env) => {
      const base = `http://${env.MEDIA_HOST || "127.0.0.1"}:${env.MEDIA_HTTP_PORT || 3005}`;
      return [`${base}/readyz`, `${base}/metrics`, `${base}/docs`];
    },
  },
];

/** The web app's dev server (Vite, hot reload): the page and, proxied, the API on one origin. */
const webOrigin = (env: Env) => `http://localhost:${env.WEB_PORT || 5173}`;

const notificationBase = (env: Env) =>
  `http://${env.NOTIFICATION_HOST || "127.0.0.1"}:${env.NOTIFICATION_PORT || 3004}`;

// The mail sink's ports are checked before anything starts: a taken one (another sink, Mailpit)
// should stop the run with the variable to change, not after the migrations.
const mailPorts = [
  { variable: "SMTP_LOCAL_PORT", port: Number(process.env.SMTP_LOCAL_PORT || 1025), what: "SMTP" },
  {
    variable: "SMTP_LOCAL_HTTP_PORT",
    port: Number(process.env.SMTP_LOCAL_HTTP_PORT || 8025),
    what: "mail page and API",
  },
] as const;

function portTaken(problem: { variable: string; port: number; what: string }): never {
  console.error(
    `dev: the local mail sink's ${problem.what} port 127.0.0.1:${problem.port} is taken; ` +
      `stop what listens there or set ${problem.variable} to a free port`,
  );
  process.exit(1);
}

for (const entry of mailPorts) {
  try {
    Bun.listen({ hostname: "127.0.0.1", port: entry.port, socket: { data() {} } }).stop(true);
  } catch {
    portTaken(entry);
  }
}

for (const { name, database } of services) {
  if (database) await migrateDatabase(process.env[database.urlVar] || database.defaultUrl, name);
}

// The S3-compatible store, in this process; objects persist in .data/s3 across runs.
const s3 = await startLocalS3({
  port: Number(process.env.S3_LOCAL_PORT || 4566),
  directory: ".data/s3",
});

// Keeps every email in memory: the mail page lists them, GET /api/v1/messages reads them.
const mail = await startMailSink({
  hostname: "127.0.0.1",
  smtpPort: mailPorts[0].port,
  httpPort: mailPorts[1].port,
}).catch(async (error: Error & { code?: string; port?: number }) => {
  await s3.stop();
  if (error.code !== "EADDRINUSE") throw error;
  // Taken since the check above.
  portTaken(
    mailPorts.find((entry) => entry.port === error.port) ?? {
      variable: "SMTP_LOCAL_PORT or SMTP_LOCAL_HTTP_PORT",
      port: error.port ?? mailPorts[0].port,
      what: "SMTP or HTTP",
    },
  );
});
const mailPage = `http://127.0.0.1:${mailPorts[1].port}`;

const pki = await bootstrapCa({ address: process.env.STEP_CA_ADDRESS || "127.0.0.1:9443" });
// step-ca when it can be built here; otherwise the services mint from the same CA material.
const ca = await ensureStepCaBinary().then(
  (binary) => startStepCa({ binary, dir: pki.dir }),
  (error: Error) => {
    console.warn(`step-ca unavailable (${error.message}); using the in-process local CA`);
    return undefined;
  },
);
const caEnv: Record<string, string> = ca
  ? { STEP_CA_URL: process.env.STEP_CA_URL ?? ca.url, STEP_CA_ROOT_FILE: pki.rootCert }
  : { LOCAL_CA_DIR: pki.dir };

// hangout, notification and media reach auth, file, the SMTP sink and clamd where this run put
// them (their defaults assume default ports). Every service gets the same broker and S3 settings.
const env = process.env;
const linkEnv = {
  AUTH_JWKS_URL: env.AUTH_JWKS_URL || `http://127.0.0.1:${authPort(env)}/.well-known/jwks.json`,
  AUTH_GRPC_TARGET: env.AUTH_GRPC_TARGET || `localhost:${authGrpcPort(env)}`,
  FILE_GRPC_TARGET: env.FILE_GRPC_TARGET || `localhost:${fileGrpcPort(env)}`,
  SMTP_URL: env.SMTP_URL || mail.smtpUrl,
  // Links in emails open the web app, whose dev server also proxies /notifications/unsubscribe.
  WEB_APP_URL: env.WEB_APP_URL || webOrigin(env),
  NOTIFICATION_PUBLIC_URL: env.NOTIFICATION_PUBLIC_URL || webOrigin(env),
  // The app's pages PUT photos straight to the bucket, from either spelling of this machine.
  S3_CORS_ORIGINS:
    env.S3_CORS_ORIGINS || `${webOrigin(env)},${webOrigin(env).replace("localhost", "127.0.0.1")}`,
  // Where scripts/ensure-clamav.sh (run by `npm run dev`) puts clamd unless told otherwise.
  CLAMD_SOCKET: env.CLAMD_SOCKET || `${env.CLAMD_DIR || "/tmp/hangout-clamd"}/clamd.sock`,
  // The media worker's malloc, as every launcher runs it (docs/decisions/0018-photo-pipeline.md).
  MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX || "2",
};

/** The broker as the services reach it, without credentials; its management UI if it answers. */
async function brokerUrls(): Promise<string[]> {
  const amqp = new URL(env.AMQP_URL || "amqp://guest:guest@127.0.0.1:5672");
  const management = `http://${amqp.hostname}:15672`;
  const answers = await fetch(management, { signal: AbortSignal.timeout(1000) }).then(
    (response) => response.ok,
    () => false,
  );
  return [
    `amqp://${amqp.host}${amqp.pathname === "/" ? "" : amqp.pathname} (RabbitMQ, events)`,
    ...(answers ? [`${management} (management UI)`] : []),
  ];
}
const broker = await brokerUrls();

const pretty = process.stdout.isTTY === true;
const children = services.map((service) => {
  const child = Bun.spawn(["bun", "--watch", PARSER_HEADER_LIMIT_FLAG, service.entry], {
    stdio: ["inherit", "pipe", "inherit"],
    env: {
      ...env,
      DEPLOY_ENV: env.DEPLOY_ENV ?? "development",
      ...s3.env,
      ...caEnv,
      ...linkEnv,
    },
  });
  const logs = pipeLogs(child.stdout, process.stdout, {
    service: service.name,
    pretty,
    colorize: pretty && isColorSupported,
  });
  return { child, logs };
});

const line = (name: string, text: string) => console.log(`  ${name.padEnd(12)} ${text}`);

// Vite on Node, the runtime it is made for; it finds the services through WEB_*_URL.
const web = Bun.spawn(["node", "node_modules/vite/bin/vite.js", "--clearScreen", "false"], {
  cwd: "web",
  stdio: ["ignore", "ignore", "inherit"],
  env: {
    ...env,
    WEB_AUTH_URL: `http://127.0.0.1:${authPort(env)}`,
    WEB_HANGOUT_URL: `http://${env.HANGOUT_HOST || "127.0.0.1"}:${env.HANGOUT_PORT || 3002}`,
    WEB_NOTIFICATION_URL: notificationBase(env),
  },
});

console.log("\nHangout Planner (embedded default) is starting:");
line("web", `${webOrigin(env)} (the app: open this; hot reload, the API proxied)`);
line("step-ca", `${ca ? ca.url : "(local CA in-process)"} (root: ${pki.rootCert})`);
line("s3", `${s3.endpoint} (bucket ${s3.env.S3_BUCKET}, objects in .data/s3)`);
line("mail", `${mailPage} (every email sent, kept in memory)`);
line("mail", `${mailPage}/api/v1/messages (Mailpit's read API)`);
line(
  "mail",
  `${mail.smtpUrl} (SMTP; ${env.SMTP_URL ? "notification sends to SMTP_URL instead" : "notification sends here"})`,
);
for (const url of broker) line("broker", url);
line("clamd", `${linkEnv.CLAMD_SOCKET} (media scans uploads here)`);
for (const service of services) {
  for (const url of service.urls(env)) line(service.name, url);
}
console.log("Ctrl-C stops everything.\n");

// The services drain within their own SHUTDOWN_TIMEOUT_MS; one that hangs past this is killed.
// Repeated signals change nothing: Ctrl-C under `npm run dev` arrives twice, from the terminal
// and forwarded by npm.
const STOP_GRACE_MS = 20_000;
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    web.kill("SIGTERM");
    for (const { child } of children) child.kill("SIGTERM");
    setTimeout(() => {
      web.kill("SIGKILL");
      for (const { child } of children) child.kill("SIGKILL");
    }, STOP_GRACE_MS).unref();
  });
}
const codes = await Promise.all(children.map(({ child }) => child.exited));
await web.exited;
await Promise.all(children.map(({ logs }) => logs.catch(() => undefined)));
await ca?.stop();
await s3.stop();
await mail.stop();
process.exit(codes.some((code) => code !== 0 && code !== 143) ? 1 : 0);
