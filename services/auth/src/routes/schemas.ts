import { t } from "elysia";
import type { Profile } from "../repositories/users.ts";
import type { TokenGrant } from "../services/accounts.ts";

export const UserView = t.Object({
  id: t.String({ format: "uuid" }),
  email: t.String({ format: "email" }),
  name: t.String(),
  createdAt: t.String({ format: "date-time" }),
});

export const TokenResponse = t.Object({
  accessToken: t.String(),
  tokenType: t.Literal("Bearer"),
  expiresIn: t.Integer({ description: "Seconds until the access token expires" }),
  refreshToken: t.String(),
  user: t.Object({ id: t.String(), email: t.String(), name: t.String() }),
});

export { Problem } from "@hangout/platform/http-schemas";

export const userView = (user: Profile) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  createdAt: user.createdAt.toISOString(),
});

export const tokenResponse = (grant: TokenGrant) => ({
  accessToken: grant.accessToken,
  tokenType: "Bearer" as const,
  expiresIn: grant.expiresIn,
  refreshToken: grant.refreshToken,
  user: { id: grant.user.id, email: grant.user.email, name: grant.user.name },
});
