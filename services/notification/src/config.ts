import {
  brokerConfigSchema,
  certificateConfigSchema,
  commonConfigSchema,
  configSchema,
  env,
  loadConfig,
} from "@hangout/platform/config";

export const notificationConfigSchema = configSchema({
  ...commonConfigSchema,
  ...certificateConfigSchema,
  ...brokerConfigSchema,
  NOTIFICATION_HOST: env.string("127.0.0.1"),
  NOTIFICATION_PORT: env.port(3004),
  NOTIFICATION_DATABASE_URL: env.url("mysql://hangout:hangout@127.0.0.1:3306/notification"),
  /** This service's durable queue on EVENTS_EXCHANGE (plus its retry and `.dead` queues). */
  NOTIFICATION_QUEUE: env.string("notification.events"),
  /** Where access tokens' public keys come from (the auth service). */
  AUTH_JWKS_URL: env.url("http://127.0.0.1:3001/.well-known/jwks.json"),
  AUTH_JWT_ISSUER: env.string("hangout-planner-auth"),
  AUTH_JWT_AUDIENCE: env.string("hangout-planner"),
  /** auth.v1.UserDirectory (mTLS; the server must present the `auth` identity). */
  AUTH_GRPC_TARGET: env.string("localhost:50052"),
  GRPC_TIMEOUT_MS: env.int(5000, { minimum: 100 }),
  /** The SMTP server mail is handed to: the local sink, Mailpit or a provider's relay. */
  SMTP_URL: env.url("smtp://127.0.0.1:1025"),
  /** The From of every email. */
  MAIL_FROM: env.string("Hangout Planner <no-reply@hangout-planner.localhost>"),
  /** The web app, for links to a hangout, the sign-up page and the preferences page. */
  WEB_APP_URL: env.url("http://localhost:5173"),
  /** This service as people's mail clients reach it (through the edge), for unsubscribe links. */
  NOTIFICATION_PUBLIC_URL: env.url("http://127.0.0.1:3004"),
  /** Signs unsubscribe links; required (and not the default) in production. */
  UNSUBSCRIBE_SECRET: env.string("development-only-unsubscribe-secret-change-me"),
  /** How often the mailer looks for due emails when nothing woke it. */
  MAIL_POLL_INTERVAL_MS: env.int(1000, { minimum: 10 }),
  /** Emails sent at once, each over its own pooled SMTP connection. */
  MAIL_CONCURRENCY: env.int(4, { minimum: 1, maximum: 8 }),
  /**
   * How long the mailer holds the emails it claimed (up to 10): those of a mailer that died go out
   * after this. No send starts in its second half, so it must be over twice the longest send
   * (nodemailer's timeouts: a minute); tests shorten it.
   */
  MAIL_CLAIM_SECONDS: env.int(300, { minimum: 2 }),
  /** SMTP attempts of one email before it is given up (logged and counted). */
  MAIL_MAX_ATTEMPTS: env.int(8, { minimum: 1 }),
  /** Reminders go out this long before a hangout starts. */
  REMINDER_LEAD_SECONDS: env.int(24 * 3600, { minimum: 60 }),
  /** How often due reminders are looked for. */
  REMINDER_INTERVAL_SECONDS: env.int(60, { minimum: 1 }),
});

export type NotificationConfig = ReturnType<typeof loadNotificationConfig>;

export const loadNotificationConfig = (source: Record<string, string | undefined> = process.env) =>
  loadConfig(notificationConfigSchema, source);
