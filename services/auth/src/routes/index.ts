import type { AuthDeps } from "../deps.ts";
import { jwksRoute } from "./jwks.ts";
import { loginRoute } from "./login.ts";
import { logoutRoute } from "./logout.ts";
import { meRoute } from "./me.ts";
import { refreshRoute } from "./refresh.ts";
import { signupRoute } from "./signup.ts";

/** Every public route of auth, in the order the docs list them. */
export const routes = (deps: AuthDeps) => [
  signupRoute(deps),
  loginRoute(deps),
  refreshRoute(deps),
  logoutRoute(deps),
  meRoute(deps),
  jwksRoute(deps),
];
