// Child process of relay-crash.test.ts: one relay round over DATABASE_URL's outbox that dies by
// SIGKILL once the broker has confirmed the batch and before the rows are marked published.
import { createPool } from "../db.ts";
import { quietLogger } from "./outbox.fixture.ts";
import { createRelay } from "./relay.ts";

const required = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const relay = createRelay({
  pool: createPool(required("DATABASE_URL")),
  url: required("AMQP_URL"),
  exchange: required("EXCHANGE"),
  logger: quietLogger,
  beforeMark: () => {
    process.kill(process.pid, "SIGKILL");
  },
});
await relay.runOnce();
// Reached only if the hook did not run: the test sees a normal exit instead of SIGKILL.
process.exit(0);
