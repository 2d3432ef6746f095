import { Text } from "@hangout/platform/http-schemas";
import { Elysia, t } from "elysia";
import type { AuthDeps } from "../deps.ts";
import { Problem, UserView, userView } from "./schemas.ts";

export const SignupBody = t.Object(
  {
    email: t.String({
      format: "email",
      maxLength: 254,
      description: "Stored lower-cased, without surrounding whitespace",
    }),
    password: t.String({ minLength: 8, maxLength: 128 }),
    name: Text(1, 100, { description: "Stored without leading and trailing whitespace" }),
  },
  { additionalProperties: false },
);

export const signupRoute = ({ accounts }: AuthDeps) =>
  new Elysia().post(
    "/auth/signup",
    async ({ body, set }) => {
      const user = await accounts.signup(body);
      set.status = 201;
      return userView(user);
    },
    {
      body: SignupBody,
      response: { 201: UserView, 409: Problem, 422: Problem },
      detail: { tags: ["auth"], summary: "Create an account", security: [] },
    },
  );
