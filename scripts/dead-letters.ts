// Lists and replays a consumer's dead letters (docs/decisions/0015-consumer-retries.md).
//
//   bun scripts/dead-letters.ts list <queue>
//   bun scripts/dead-letters.ts replay <queue> --id <event id> [--id <event id> …]
//   bun scripts/dead-letters.ts replay <queue> --all
//
// The broker is AMQP_URL (default amqp://guest:guest@127.0.0.1:5672).
import { listDeadLetters, replayDeadLetters } from "../packages/platform/src/inbox/dead-letters.ts";

const USAGE = `usage: bun scripts/dead-letters.ts list <queue>
       bun scripts/dead-letters.ts replay <queue> (--id <event id>)… | --all`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

const [command, queue, ...rest] = process.argv.slice(2);
const url = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
if (!queue || queue.startsWith("--")) fail("the queue name is required");

if (command === "list") {
  if (rest.length > 0) fail(`list takes no options, got ${rest.join(" ")}`);
  const letters = await listDeadLetters(url, queue);
  for (const l of letters) {
    console.log([l.eventId, l.type, `attempts=${l.attempts}`, l.kind, l.reason].join("\t"));
  }
  console.error(`${letters.length} dead letters in ${queue}.dead`);
} else if (command === "replay") {
  const ids: string[] = [];
  let all = false;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === "--all") all = true;
    else if (rest[i] === "--id" && rest[i + 1]) ids.push(rest[++i] as string);
    else fail(`unknown option ${rest[i]}`);
  }
  if (all === ids.length > 0) fail("replay needs either --all or at least one --id");
  const moved = await replayDeadLetters(url, queue, all ? { all: true } : { ids });
  for (const l of moved) console.log(`replayed\t${l.eventId}\t${l.type}`);
  const missing = ids.filter((id) => !moved.some((l) => l.eventId === id));
  for (const id of missing) console.error(`not found in ${queue}.dead: ${id}`);
  console.error(`${moved.length} dead letters moved back to ${queue}`);
  if (missing.length > 0) process.exit(1);
} else {
  fail(command ? `unknown command ${command}` : "a command is required");
}
