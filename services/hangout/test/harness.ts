import { createPool } from "@hangout/platform/db";
import { cleanUp } from "@hangout/platform/inbox/inbox.fixture";
import { testExchange } from "@hangout/platform/outbox/outbox.fixture";
import type { RunningService } from "@hangout/platform/service/start";
import type { TestDatabase } from "@hangout/platform/testing/database";
import type { ServiceProcess } from "@hangout/platform/testing/service-process";
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
import { type PhotoOutcome, photoPipeline } from "./photo-pipeline.ts";

export type { Api, TestUser };

export interface Stack {
  ca: TestCa;
  /** The auth service's process (sign-up, tokens, UserDirectory). */
  auth: Peer;
  /** The file service's process, its database and its S3-compatible store. */
  file: FilePeer;
  /** The media worker's process, in stacks started with `media: true`. */
  media: ServiceProcess | undefined;
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
  /**
   * Stands in for the media worker in stacks without it (see test/photo-pipeline.ts): each
   * confirmed memory's photo becomes ready in file, and hangout handles the `file.processed`
   * file publishes. A memory has a URL only once its photo is ready.
   */
  markPhotoReady(memoryIds: string | string[]): Promise<void>;
  /**
   * Only hangout's side: `file.processed` with any outcome for these memories, file left as it
   * is (a memory id, or with its file id once the row is gone; `id` repeats an earlier event;
   * `wait` false returns once published). Returns the events' ids.
   */
  publishPhotoOutcome(
    photos: (string | { memoryId: string; fileId: string })[],
    outcome: PhotoOutcome,
    options?: { id?: string; wait?: boolean },
  ): Promise<string[]>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /**
   * Runs the real media worker (scanning with the clamd of scripts/ensure-clamav.sh): confirmed
   * photos become ready or failed on their own. Without it they stay processing until a test
   * calls `markPhotoReady`.
   */
  media?: boolean;
}

/** clamd as scripts/ensure-clamav.sh starts it (npm test and .ci/run run the script first). */
export const CLAMD_SOCKET = process.env.CLAMD_SOCKET ?? "/tmp/hangout-clamd/clamd.sock";

/**
 * The hangout service in this process, with auth and file as real processes around it (see
 * `@hangout/platform/testing/stack`). `env` overrides hangout's config variables. Each stack
 * has an exchange and consumer queues of its own (removed by `stop`), so parallel test files
 * never take each other's events; file publishes to that exchange too.
 */
export async function startStack(
  env: Record<string, string> = {},
  options: StackOptions = {},
): Promise<Stack> {
  const exchange = testExchange();
  const stack = await startTestStack({
    service: hangoutService,
    exchange,
    media: options.media ? { env: { CLAMD_SOCKET } } : undefined,
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
  const pipeline = photoPipeline({
    db,
    hangoutUrl: stack.service.url,
    config: stack.service.config,
    ca: stack.ca,
    file: stack.file,
  });
  return {
    ca: stack.ca,
    auth: stack.auth,
    file: stack.file,
    media: stack.media,
    hangout: stack.service,
    hangoutUrl: stack.service.url,
    hangoutDatabase: stack.database,
    db,
    hangoutLogs: stack.logs,
    user: stack.user,
    as: stack.as,
    advance: stack.advance,
    markPhotoReady: pipeline.markPhotoReady,
    publishPhotoOutcome: pipeline.publishOutcome,
    async stop() {
      const { EVENTS_EXCHANGE, HANGOUT_EVENTS_QUEUE } = stack.service.config;
      pipeline.close();
      await db.end();
      await stack.stop();
      await cleanUp({ exchange: EVENTS_EXCHANGE, queue: `${EVENTS_EXCHANGE}.media` }).catch(
        () => undefined,
      );
      await cleanUp({ exchange: EVENTS_EXCHANGE, queue: HANGOUT_EVENTS_QUEUE }).catch(
        () => undefined,
      );
    },
  };
}

/** A stack and the three people most tests need: a hangout's owner, a friend and a stranger. */
export async function startStackWithPeople(
  env: Record<string, string> = {},
  options: StackOptions = {},
) {
  const stack = await startStack(env, options);
  return {
    stack,
    owner: await stack.user("Owner"),
    friend: await stack.user("Friend"),
    stranger: await stack.user("Stranger"),
  };
}
