import { createAccessTokenVerifier, remoteKeys } from "@hangout/platform/access-token";
import { createDatabase } from "@hangout/platform/db";
import { defineService } from "@hangout/platform/service/definition";
import { loadNotificationConfig } from "./config.ts";
import { createEventConsumer } from "./consumers/events.ts";
import { schema } from "./db/schema.ts";
import type { NotificationDeps } from "./deps.ts";
import { pendingBacklog } from "./repositories/deliveries.ts";
import { createPreferencesRepository } from "./repositories/preferences.ts";
import { createSmtpTransport } from "./repositories/smtp.ts";
import { createUserDirectory } from "./repositories/users.ts";
import { routes } from "./routes/index.ts";
import { createEmailComposer } from "./services/compose-email.ts";
import { createMailer } from "./services/mailer.ts";
import { createMailerMetrics } from "./services/mailer-metrics.ts";
import { createPreferences } from "./services/preferences.ts";
import { createUnsubscribe } from "./services/unsubscribe.ts";
import { createUnsubscribeTokens, unsubscribeSecret } from "./services/unsubscribe-tokens.ts";
import { reminderTask } from "./tasks/reminders.ts";

/** Emails about hangouts, from hangout's events; preferences and one-click unsubscribe. */
export const notificationService = defineService({
  name: "notification",
  description:
    "Emails people about their hangouts (invitations, changes, reminders) and keeps their email preferences.",
  loadConfig: loadNotificationConfig,
  http: (config) => ({ hostname: config.NOTIFICATION_HOST, port: config.NOTIFICATION_PORT }),
  databaseUrl: (config) => config.NOTIFICATION_DATABASE_URL,
  // It calls auth's UserDirectory over mTLS for recipients' addresses and names.
  certificates: "required",

  build({ config, platform, clock, pool, hot, certificates }) {
    const db = createDatabase(pool, schema);
    const { lifecycle, logger } = platform;
    // Closers run in reverse: the consumer stops first, then the mailer, then what it uses.
    const users = createUserDirectory(config, certificates, platform);
    const transport = createSmtpTransport(config);
    lifecycle.onClose("smtp", () => transport.close());
    const preferences = createPreferences(createPreferencesRepository(db), clock);
    const unsubscribe = createUnsubscribe({
      config,
      tokens: createUnsubscribeTokens(unsubscribeSecret(config)),
      preferences,
    });
    const mailer = createMailer({
      db,
      pool,
      hot,
      users,
      transport,
      compose: createEmailComposer(config, unsubscribe),
      clock,
      logger,
      metrics: createMailerMetrics({
        registry: platform.metrics.registry,
        readBacklog: () => pendingBacklog(db),
        clock,
        logger,
      }),
      pollIntervalMs: config.MAIL_POLL_INTERVAL_MS,
      maxAttempts: config.MAIL_MAX_ATTEMPTS,
      concurrency: config.MAIL_CONCURRENCY,
      leaseMs: config.MAIL_CLAIM_SECONDS * 1000,
    });
    lifecycle.onClose("mailer", () => mailer.stop());
    const onQueued = () => mailer.wake();
    const consumer = createEventConsumer({ db, config, platform, clock, users, onQueued });

    const deps: NotificationDeps = {
      platform,
      config,
      clock,
      verify: createAccessTokenVerifier(remoteKeys(config.AUTH_JWKS_URL), {
        issuer: config.AUTH_JWT_ISSUER,
        audience: config.AUTH_JWT_AUDIENCE,
      }),
      preferences,
      unsubscribe,
      mailer,
      consumer,
    };
    return {
      deps,
      routes: routes(deps),
      // Neither takes the service out of rotation: events wait in the queue, emails in the table.
      readiness: [consumer.readiness, transport.readiness],
      prepare: async () => {
        consumer.start();
        mailer.start();
      },
      tasks: [reminderTask({ db, config, clock, logger, onQueued }), consumer.pruneTask],
    };
  },
});
