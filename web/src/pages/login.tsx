import { useLocation } from "preact-iso";
import { authApi, call } from "../api/client.ts";
import { signedIn } from "../api/session.ts";
import {
  CredentialFields,
  useCredentials,
  useLeaveWhenSignedIn,
} from "../components/credentials.tsx";
import { FormError } from "../components/field.tsx";
import { useSubmit } from "../components/use-form.ts";
import { nextPath } from "./next-path.ts";

export function Login() {
  const { query } = useLocation();
  const credentials = useCredentials(query.email);
  const form = useSubmit(async () => {
    const { email, password } = credentials;
    signedIn(await call(() => authApi.POST("/auth/login", { body: { email, password } })));
  });
  useLeaveWhenSignedIn(nextPath(query));

  return (
    <section class="narrow">
      <h1>Log in</h1>
      <form onSubmit={form.submit} noValidate>
        <FormError message={form.formError} />
        <CredentialFields credentials={credentials} errors={form.fieldErrors} />
        <button type="submit" disabled={form.busy}>
          Log in
        </button>
      </form>
      <p>
        New here? <a href={`/signup${location.search}`}>Sign up</a>
      </p>
    </section>
  );
}
