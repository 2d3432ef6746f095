import { useLocation } from "preact-iso";
import { call, hangoutApi } from "../api/client.ts";
import { HangoutForm } from "../components/hangout-form.tsx";

export function NewHangout() {
  const { route } = useLocation();
  return (
    <section class="narrow">
      <h1>New hangout</h1>
      <HangoutForm
        submitLabel="Create"
        onCancel={() => history.back()}
        onSubmit={async (values) => {
          const created = await call(() =>
            hangoutApi.POST("/hangouts", {
              body: values,
              params: { header: { "idempotency-key": crypto.randomUUID() } },
            }),
          );
          route(`/hangout/${created.id}`);
        }}
      />
    </section>
  );
}
