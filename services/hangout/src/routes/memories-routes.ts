import { Elysia } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { confirmMemoriesRoute } from "./confirm-memories.ts";
import { createMemoryUploadsRoute } from "./create-memory-uploads.ts";
import { deleteMemoryRoute } from "./delete-memory.ts";
import { getMemoryRoute } from "./get-memory.ts";
import { listMemoriesRoute } from "./list-memories.ts";

export const memoriesRoutes = (deps: HangoutDeps) =>
  new Elysia({ name: "hangout.memories" })
    .use(createMemoryUploadsRoute(deps))
    .use(confirmMemoriesRoute(deps))
    .use(listMemoriesRoute(deps))
    .use(getMemoryRoute(deps))
    .use(deleteMemoryRoute(deps));
