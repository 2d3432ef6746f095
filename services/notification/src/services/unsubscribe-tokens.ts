import { createHmac, timingSafeEqual } from "node:crypto";
import { notificationConfigSchema } from "../config.ts";
import { type MailKind, mailKinds } from "../db/schema.ts";

/**
 * What an unsubscribe link asks: stop `kind` emails to `recipient`, a delivery's recipient key
 * (`user:<id>`, or `email:<address>` for an address with no account).
 */
export interface UnsubscribeClaim {
  recipient: string;
  kind: MailKind;
}

export interface UnsubscribeTokens {
  sign(claim: UnsubscribeClaim): string;
  /** The claim of a token this service signed; undefined for anything else. */
  verify(token: string): UnsubscribeClaim | undefined;
}

/** Far above any token this service signs (an address is at most 254 characters). */
export const MAX_TOKEN_LENGTH = 1024;

// Keys the MAC to its purpose and format: a MAC made with the same secret for anything else
// never verifies here.
const DOMAIN = "hangout-planner/unsubscribe/v1\n";
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const RECIPIENT = /^(?:user:[0-9a-f-]{36}|email:[^\s@]+@[^\s@]+)$/;
const KINDS: readonly string[] = mailKinds;

/**
 * Stateless unsubscribe tokens: `<payload>.<mac>`, both base64url, the payload `kind|recipient`
 * and the MAC an HMAC-SHA256 of it with UNSUBSCRIBE_SECRET. Nothing is stored, so a link in an
 * old email keeps working, and only this service can make one; rotating the secret voids them all.
 */
export function createUnsubscribeTokens(secret: string): UnsubscribeTokens {
  const mac = (payload: string) =>
    createHmac("sha256", secret)
      .update(DOMAIN + payload)
      .digest();
  return {
    sign({ recipient, kind }) {
      const payload = `${kind}|${recipient}`;
      return `${Buffer.from(payload).toString("base64url")}.${mac(payload).toString("base64url")}`;
    },
    verify(token) {
      if (token.length > MAX_TOKEN_LENGTH) return undefined;
      const [encoded, signature, extra] = token.split(".");
      if (extra !== undefined || !encoded || !signature) return undefined;
      if (!BASE64URL.test(encoded) || !BASE64URL.test(signature)) return undefined;
      const payload = Buffer.from(encoded, "base64url").toString("utf8");
      const expected = mac(payload);
      const given = Buffer.from(signature, "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      const bar = payload.indexOf("|");
      const kind = payload.slice(0, bar);
      const recipient = payload.slice(bar + 1);
      if (bar < 0 || !KINDS.includes(kind) || !RECIPIENT.test(recipient)) return undefined;
      return { kind: kind as MailKind, recipient };
    },
  };
}

/**
 * UNSUBSCRIBE_SECRET, refused in production while it is the development default or short:
 * whoever knows it can unsubscribe anyone from anything.
 */
export function unsubscribeSecret(config: {
  DEPLOY_ENV: string;
  UNSUBSCRIBE_SECRET: string;
}): string {
  const secret = config.UNSUBSCRIBE_SECRET;
  const unset = secret === notificationConfigSchema.properties.UNSUBSCRIBE_SECRET.default;
  if (config.DEPLOY_ENV === "production" && (unset || secret.length < 32)) {
    throw new Error("UNSUBSCRIBE_SECRET must be set to a random secret of 32 characters or more");
  }
  return secret;
}
