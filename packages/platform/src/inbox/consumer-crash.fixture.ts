// Child process of consumer-crash.test.ts: a consumer whose handler writes its effect and dies by
// SIGKILL before the transaction commits and before the message is acknowledged.
import { createDatabase, createPool } from "../db.ts";
import { createConsumer } from "./consumer.ts";
import { effects, inbox, parseTestEvent, quietLogger } from "./inbox.fixture.ts";

const required = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

createConsumer({
  db: createDatabase(createPool(required("DATABASE_URL")), { inbox, effects }),
  url: required("AMQP_URL"),
  exchange: required("EXCHANGE"),
  queue: required("QUEUE"),
  bindings: ["#"],
  parse: parseTestEvent,
  backoffMs: [100],
  logger: quietLogger,
  async handle(event, tx) {
    await tx.insert(effects).values({ eventId: event.id, n: event.data.n });
    process.kill(process.pid, "SIGKILL");
  },
}).start();
