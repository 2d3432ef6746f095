/**
 * What logging in and signing up share: the Email and Password fields, and leaving the page
 * for `destination` once someone is signed in (here or in another tab).
 */

import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { session } from "../api/session.ts";
import { Field } from "./field.tsx";

export function useCredentials(initialEmail = "") {
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState("");
  return { email, setEmail, password, setPassword };
}

export function useLeaveWhenSignedIn(destination: string) {
  const { route } = useLocation();
  const status = session.value.status;
  useEffect(() => {
    if (status === "signed-in") route(destination, true);
  }, [status]);
}

export interface CredentialFieldsProps {
  credentials: ReturnType<typeof useCredentials>;
  errors: Record<string, string>;
  /** Sign-up: the browser offers to make a password, and the rule is shown. */
  newPassword?: boolean;
}

export function CredentialFields({ credentials, errors, newPassword }: CredentialFieldsProps) {
  return (
    <>
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        required
        value={credentials.email}
        error={errors.email}
        onInput={(e) => credentials.setEmail(e.currentTarget.value)}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete={newPassword ? "new-password" : "current-password"}
        required
        {...(newPassword ? { hint: "At least 8 characters." } : {})}
        value={credentials.password}
        error={errors.password}
        onInput={(e) => credentials.setPassword(e.currentTarget.value)}
      />
    </>
  );
}
