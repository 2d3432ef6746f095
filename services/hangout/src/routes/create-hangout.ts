import { authGuard } from "@hangout/platform/auth-guard";
import { Problem } from "@hangout/platform/http-schemas";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { HangoutView, hangoutView } from "../views/hangouts.ts";
import { CreateHangoutBody } from "./hangout-body.ts";

export const createHangoutRoute = ({ verify, hangouts, idempotent }: HangoutDeps) =>
  new Elysia()
    .use(authGuard(verify))
    .post(
      "/hangouts",
      ({ userId, body, headers, set }) =>
        idempotent(
          { userId, key: headers["idempotency-key"] ?? null, scope: "POST /hangouts", body, set },
          async () => ({ status: 201, body: hangoutView(await hangouts.create(userId, body)) }),
        ),
      {
        body: CreateHangoutBody,
        headers: t.Object({ "idempotency-key": t.Optional(t.String()) }),
        response: { 201: HangoutView, 401: Problem, 409: Problem, 422: Problem },
        detail: {
          tags: ["hangouts"],
          summary: "Plan a hangout; the caller becomes its owner (RSVP going)",
          security: [{ bearer: [] }],
        },
      },
    );
