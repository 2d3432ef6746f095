/*
 * Publishes the event contract: schemas/<type>.json for every event type, schemas/envelope.schema.json,
 * and the table of types in README.md. Run from anywhere: `bun packages/events/generate.ts`.
 * Files of types no longer defined are removed, so the root `events:check` sees them go.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { publishedSchemas, withTypesTable } from "./src/publish.ts";

const here = import.meta.dir;
const schemasDir = join(here, "schemas");

const schemas = publishedSchemas();
mkdirSync(schemasDir, { recursive: true });
for (const file of readdirSync(schemasDir)) {
  if (file.endsWith(".json") && !schemas.has(file)) rmSync(join(schemasDir, file));
}
for (const [file, schema] of schemas) {
  await Bun.write(join(schemasDir, file), `${JSON.stringify(schema, null, 2)}\n`);
}

// Biome formats JSON in its own way (short arrays on one line); the files are written as it
// would leave them, so `biome ci` and the drift check agree.
const biome = Bun.spawnSync(["bunx", "biome", "format", "--write", schemasDir], {
  cwd: join(here, "../.."),
  stdout: "pipe",
  stderr: "pipe",
});
if (biome.exitCode !== 0) {
  throw new Error(`biome format failed on the generated schemas:\n${biome.stdout}${biome.stderr}`);
}

const readme = join(here, "README.md");
await Bun.write(readme, withTypesTable(await Bun.file(readme).text()));

console.log(`wrote ${schemas.size} schemas to ${schemasDir} and the table in ${readme}`);
