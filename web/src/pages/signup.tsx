import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { authApi, call } from "../api/client.ts";
import { signedIn } from "../api/session.ts";
import {
  CredentialFields,
  useCredentials,
  useLeaveWhenSignedIn,
} from "../components/credentials.tsx";
import { Field, FormError } from "../components/field.tsx";
import { useSubmit } from "../components/use-form.ts";
import { nextPath } from "./next-path.ts";

/**
 * Sign up, then log in. An invitation email links here with the invited address and the
 * hangout: after signing up the person lands in it (it opens once hangout has taken up the
 * invitation, which follows the sign-up within moments).
 */
export function Signup() {
  const { query } = useLocation();
  const [name, setName] = useState("");
  const credentials = useCredentials(query.email);
  const form = useSubmit(async () => {
    const { email, password } = credentials;
    await call(() => authApi.POST("/auth/signup", { body: { name, email, password } }));
    signedIn(await call(() => authApi.POST("/auth/login", { body: { email, password } })));
  });
  useLeaveWhenSignedIn(
    query.hangout ? `/hangout/${encodeURIComponent(query.hangout)}` : nextPath(query),
  );

  return (
    <section class="narrow">
      <h1>Sign up</h1>
      {query.invitation && <p>You were invited to a hangout. Sign up to see it.</p>}
      <form onSubmit={form.submit} noValidate>
        <FormError message={form.formError} />
        <Field
          label="Name"
          name="name"
          autoComplete="name"
          required
          value={name}
          error={form.fieldErrors.name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <CredentialFields credentials={credentials} errors={form.fieldErrors} newPassword />
        <button type="submit" disabled={form.busy}>
          Sign up
        </button>
      </form>
      <p>
        Have an account? <a href={`/login${location.search}`}>Log in</a>
      </p>
    </section>
  );
}
