import { Elysia, t } from "elysia";
import type { JSONWebKeySet } from "jose";
import type { AuthDeps } from "../deps.ts";

/** RFC 7517: the public half of each key that signs access tokens (keys.ts makes them). */
const Jwks = t.Unsafe<JSONWebKeySet>(
  t.Object({
    keys: t.Array(
      t.Object({
        kty: t.Literal("EC"),
        crv: t.Literal("P-256"),
        x: t.String(),
        y: t.String(),
        kid: t.String(),
        alg: t.Literal("ES256"),
        use: t.Literal("sig"),
      }),
    ),
  }),
);

export const jwksRoute = ({ tokens }: AuthDeps) =>
  new Elysia().get(
    "/.well-known/jwks.json",
    ({ set }) => {
      set.headers["cache-control"] = "public, max-age=300";
      return tokens.jwks;
    },
    {
      response: { 200: Jwks },
      detail: {
        tags: ["auth"],
        summary: "Public keys that verify access tokens",
        security: [],
      },
    },
  );
