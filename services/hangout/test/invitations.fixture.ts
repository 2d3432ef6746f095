/**
 * Shared by the invitation tests: what an invite answers and stores, and helpers bound to one
 * stack that invite, read the pending invitations, sign an address up with auth and announce the
 * sign-up on the broker as auth's relay does.
 */
import { expect } from "bun:test";
import { createEvent } from "@hangout/events/create";
import { publish, until } from "@hangout/platform/inbox/inbox.fixture";
import { count, query } from "./fixtures.ts";
import type { Stack, TestUser } from "./harness.ts";

export const TTL_DAYS = 30;
export const DAY_MS = 86_400_000;

export interface InviteResult {
  invited: string[];
  alreadyMembers: string[];
  pendingEmails: string[];
}
export interface Invitation {
  id: string;
  email: string;
  invitedBy: string;
  createdAt: string;
  expiresAt: string;
}
interface InvitationRow {
  id: string;
  hangout_id: string;
  email: string;
  invited_by: string;
  created_at: Date;
  expires_at: Date;
}

let counter = 0;
/** An address nobody has signed up with, in mixed case. */
export const newAddress = () => `New.Comer-${Date.now().toString(36)}-${++counter}@Example.com`;

/** Helpers bound to one stack. */
export function invitationHelpers(stack: Stack) {
  const config = stack.hangout.config;
  const h = {
    async invite(owner: TestUser, hangoutId: string, emails: string[]) {
      const response = await stack.as(owner).post(`/hangouts/${hangoutId}/invites`, { emails });
      expect(response.status).toBe(200);
      return (await response.json()) as InviteResult;
    },

    rows: (hangoutId: string) =>
      query<InvitationRow>(
        stack,
        "SELECT * FROM pending_invitations WHERE hangout_id = ? ORDER BY created_at, id",
        [hangoutId],
      ),

    /** Signs `email` up with auth (as given) and logs in. */
    async signUp(email: string, name = "Newcomer"): Promise<TestUser> {
      const post = async (path: string, body: unknown) => {
        const response = await fetch(`${stack.auth.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        expect(response.status).toBeLessThan(300);
        return response.json() as Promise<Record<string, string>>;
      };
      const password = "correct horse battery";
      const user = await post("/auth/signup", { email, password, name });
      const { accessToken } = await post("/auth/login", { email, password });
      return { id: user.id ?? "", email: user.email ?? "", name, token: accessToken ?? "" };
    },

    /**
     * auth's `user.signed-up` for `userId`, published to this stack's exchange as auth's relay
     * does (the test's auth process publishes to an exchange of its own); `id` repeats one.
     */
    async announce(userId: string, id?: string) {
      const event = createEvent(
        "dev.hangout-planner.user.signed-up.v1",
        { userId },
        id ? { id } : {},
      );
      await publish(config.EVENTS_EXCHANGE, [event]);
      return event.id;
    },

    /** How many events the consumer acknowledged with `outcome`. */
    async consumed(outcome: "processed" | "duplicate") {
      const metric =
        stack.hangout.platform.metrics.registry.getSingleMetric("events_consumed_total");
      const { values } = (await metric?.get()) ?? { values: [] };
      return values
        .filter(
          (v) => v.labels.outcome === outcome && v.labels.consumer === config.HANGOUT_EVENTS_QUEUE,
        )
        .reduce((sum, v) => sum + v.value, 0);
    },

    /** Publishes a sign-up and waits until its inbox row (committed with its effect) is there. */
    async announceAndWait(userId: string) {
      const id = await h.announce(userId);
      await until(
        async () =>
          (await count(stack, "SELECT COUNT(*) AS n FROM inbox WHERE event_id = ?", [id])) === 1,
        15_000,
        "the sign-up to be handled",
      );
      return id;
    },

    /** Waits for the consumer's queue to be bound, so nothing published before is lost. */
    async consumerReady() {
      await until(
        async () => {
          const body = (await (await fetch(`${stack.hangoutUrl}/readyz`)).json()) as {
            checks: Record<string, string>;
          };
          return body.checks[`consumer ${config.HANGOUT_EVENTS_QUEUE}`] === "ok";
        },
        15_000,
        "the events consumer",
      );
    },
  };
  return h;
}
