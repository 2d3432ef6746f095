import { Elysia } from "elysia";
import type { AuthDeps } from "../deps.ts";

export const jwksRoute = ({ tokens }: AuthDeps) =>
  new Elysia().get(
    "/.well-known/jwks.json",
    ({ set }) => {
      set.headers["cache-control"] = "public, max-age=300";
      return tokens.jwks;
    },
    { detail: { tags: ["auth"], summary: "Public keys that verify access tokens" } },
  );
