import { authGuard } from "@hangout/platform/auth-guard";
import { Problem } from "@hangout/platform/http-schemas";
import { Elysia } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { MemoryView, memoryView } from "../views/memories.ts";

export const getMemoryRoute = ({ verify, memories }: HangoutDeps) =>
  new Elysia()
    .use(authGuard(verify))
    .get(
      "/memories/:id",
      async ({ userId, params }) => memoryView(await memories.get(params.id, userId)),
      {
        response: { 200: MemoryView, 401: Problem, 404: Problem, 503: Problem },
        detail: {
          tags: ["memories"],
          summary: "One photo (members of its hangout)",
          security: [{ bearer: [] }],
        },
      },
    );
