import { createPool } from "@hangout/platform/db";
import { cleanUp } from "@hangout/platform/inbox/inbox.fixture";
import { testExchange } from "@hangout/platform/outbox/outbox.fixture";
import type { RunningService } from "@hangout/platform/service/start";
import type { TestDatabase } from "@hangout/platform/testing/database";
import {
  type Api,
  type FilePeer,
  type Peer,
  startStack as startTestStack,
  type TestUser,
} from "@hangout/platform/testing/stack";
import type { TestCa } from "@hangout/platform/testing/step-ca";
import type mysql from "mysql2/promise";
import { hangoutService } from "../src/app.ts";
import type { HangoutConfig } from "../src/config.ts";
import type { HangoutDeps } from "../src/deps.ts";

export type { Api, TestUser };

export interface Stack {
  ca: TestCa;
  /** The auth service's process (sign-up, tokens, UserDirectory). */
  auth: Peer;
  /** The file service's process, its database and its S3-compatible store. */
  file: FilePeer;
  hangout: RunningService<HangoutConfig, HangoutDeps>;
  hangoutUrl: string;
  hangoutDatabase: TestDatabase;
  /** A pool on the hangout database, for arranging and reading rows directly. */
  db: mysql.Pool;
  /** The hangout service's log lines (captured, not printed). */
  hangoutLogs: string[];
  /** Signs a new user up and logs them in. */
  user(name?: string): Promise<TestUser>;
  /** Requests to the hangout service as `user` (or anonymous). */
  as(user?: TestUser): Api;
  /** Moves the hangout service's clock forward. */
  advance(seconds: number): void;
  stop(): Promise<void>;
}

/**
 * The hangout service in this process, with auth and file as real processes around it (see
 * `@hangout/platform/testing/stack`). `env` overrides hangout's config variables. Each stack
 * has an exchange and a consumer queue of its own (removed by `stop`), so parallel test files
 * never take each other's events.
 */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const exchange = testExchange();
  const stack = await startTestStack({
    service: hangoutService,
    env: ({ database, auth, file }) => ({
      HANGOUT_DATABASE_URL: database.url,
      AUTH_JWKS_URL: `${auth.url}/.well-known/jwks.json`,
      AUTH_GRPC_TARGET: auth.grpcTarget,
      FILE_GRPC_TARGET: file.grpcTarget,
      GRPC_TIMEOUT_MS: "3000",
      // Tests run the sweep themselves; the timer only when a test sets it.
      HANGOUT_SWEEP_INTERVAL_SECONDS: "3600",
      EVENTS_EXCHANGE: exchange,
      HANGOUT_EVENTS_QUEUE: `${exchange}.hangout`,
      ...env,
    }),
  });
  const db = createPool(stack.database.url, { connectionLimit: 4 });
  return {
    ca: stack.ca,
    auth: stack.auth,
    file: stack.file,
    hangout: stack.service,
    hangoutUrl: stack.service.url,
    hangoutDatabase: stack.database,
    db,
    hangoutLogs: stack.logs,
    user: stack.user,
    as: stack.as,
    advance: stack.advance,
    async stop() {
      const { EVENTS_EXCHANGE, HANGOUT_EVENTS_QUEUE } = stack.service.config;
      await db.end();
      await stack.stop();
      await cleanUp({ exchange: EVENTS_EXCHANGE, queue: HANGOUT_EVENTS_QUEUE }).catch(
        () => undefined,
      );
    },
  };
}

/** A stack and the three people most tests need: a hangout's owner, a friend and a stranger. */
export async function startStackWithPeople(env: Record<string, string> = {}) {
  const stack = await startStack(env);
  return {
    stack,
    owner: await stack.user("Owner"),
    friend: await stack.user("Friend"),
    stranger: await stack.user("Stranger"),
  };
}
