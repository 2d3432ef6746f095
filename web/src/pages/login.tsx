import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { authApi, call } from "../api/client.ts";
import { session, signedIn } from "../api/session.ts";
import { Field, FormError } from "../components/field.tsx";
import { useSubmit } from "../components/use-form.ts";
import { nextPath } from "./next-path.ts";

export function Login() {
  const { query, route } = useLocation();
  const [email, setEmail] = useState(query.email ?? "");
  const [password, setPassword] = useState("");
  const form = useSubmit(async () => {
    signedIn(await call(() => authApi.POST("/auth/login", { body: { email, password } })));
  });
  const status = session.value.status;
  useEffect(() => {
    if (status === "signed-in") route(nextPath(query), true);
  }, [status]);

  return (
    <section class="narrow">
      <h1>Log in</h1>
      <form onSubmit={form.submit} noValidate>
        <FormError message={form.formError} />
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
          autoComplete="current-password"
          required
          value={password}
          error={form.fieldErrors.password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
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
