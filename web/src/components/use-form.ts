/**
 * A form's submit cycle: busy while the request runs, then either done or the API's problem
 * spread over the fields it names (the rest as the form's own error).
 */
import { useState } from "preact/hooks";
import { ApiError, messageOf } from "../api/problem.ts";

export function useSubmit<T>(action: () => Promise<T>) {
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | undefined>();

  const submit = async (event?: Event): Promise<T | undefined> => {
    event?.preventDefault();
    if (busy) return undefined;
    setBusy(true);
    setFieldErrors({});
    setFormError(undefined);
    try {
      return await action();
    } catch (error) {
      const fields = error instanceof ApiError ? error.fields() : {};
      const { "": general, ...named } = fields;
      setFieldErrors(named);
      setFormError(Object.keys(named).length ? general : (general ?? messageOf(error)));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { submit, busy, fieldErrors, formError, setFieldErrors };
}
