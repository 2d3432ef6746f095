import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { authApi, call } from "../api/client.ts";
import { session, signedIn } from "../api/session.ts";
import { Field, FormError } from "../components/field.tsx";
import { useSubmit } from "../components/use-form.ts";
import { nextPath } from "./next-path.ts";

/**
 * Sign up, then log in. An invitation email links here with the invited address and the
 * hangout: after signing up the person lands in it (it opens once hangout has taken up the
 * invitation, which follows the sign-up within moments).
 */
export function Signup() {
  const { query, route } = useLocation();
  const [name, setName] = useState("");
  const [email, setEmail] = useState(query.email ?? "");
  const [password, setPassword] = useState("");
  const destination = query.hangout
    ? `/hangout/${encodeURIComponent(query.hangout)}`
    : nextPath(query);
  const form = useSubmit(async () => {
    await call(() => authApi.POST("/auth/signup", { body: { name, email, password } }));
    signedIn(await call(() => authApi.POST("/auth/login", { body: { email, password } })));
  });
  const status = session.value.status;
  useEffect(() => {
    if (status === "signed-in") route(destination, true);
  }, [status]);

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
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          value={email}
          error={form.fieldErrors.email}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 8 characters."
          value={password}
          error={form.fieldErrors.password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
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
