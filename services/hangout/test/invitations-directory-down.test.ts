/**
 * A sign-up that arrives while auth's UserDirectory is unreachable: the consumer retries it
 * rather than dropping it, and the pending invitation waits.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { until } from "@hangout/platform/inbox/inbox.fixture";
import { count, createHangout } from "./fixtures.ts";
import { type Stack, startStack } from "./harness.ts";
import { invitationHelpers, newAddress } from "./invitations.fixture.ts";

describe("invitations with auth's UserDirectory unreachable", () => {
  let stack: Stack;
  let h: ReturnType<typeof invitationHelpers>;
  beforeAll(async () => {
    stack = await startStack({ AUTH_GRPC_TARGET: "localhost:1", GRPC_TIMEOUT_MS: "1000" });
    h = invitationHelpers(stack);
    await h.consumerReady();
  });
  afterAll(() => stack?.stop());

  test("a sign-up is retried, not dropped: no inbox row, the invitation stays", async () => {
    const owner = await stack.user("Owner");
    const { id } = await createHangout(stack, owner);
    const email = newAddress().toLowerCase();
    const newcomer = await h.signUp(email);
    // Inviting needs auth too, so the invitation is arranged in the database.
    await stack.db.query(
      `INSERT INTO pending_invitations (id, hangout_id, email, invited_by, created_at, expires_at)
       VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL 1 DAY)`,
      [Bun.randomUUIDv7(), id, email, owner.id],
    );
    const failed = async () => {
      const metric = stack.hangout.platform.metrics.registry.getSingleMetric("events_failed_total");
      const { values } = (await metric?.get()) ?? { values: [] };
      return values.reduce((sum, v) => sum + v.value, 0);
    };
    const eventId = await h.announce(newcomer.id);
    // The first attempt and the one after the first back-off both fail.
    await until(async () => (await failed()) >= 2, 20_000, "two failed attempts");
    expect(
      await count(stack, "SELECT COUNT(*) AS n FROM inbox WHERE event_id = ?", [eventId]),
    ).toBe(0);
    expect(await h.rows(id)).toHaveLength(1);
  });
});
