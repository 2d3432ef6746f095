import { FormatRegistry } from "@sinclair/typebox";
import { fullFormats } from "elysia/type-system/format";

/**
 * `@elysiajs/openapi` replaces the process-wide TypeBox string formats (email, uuid, date-time…)
 * with Zod/Valibot checks that build a new schema on every call: a fifth of the CPU of a simple
 * authenticated request in `bun run bench`. This puts Elysia's own regex checks back; call it
 * after the plugin is imported (docs.ts does).
 */
export function restoreFastFormats() {
  for (const [name, format] of Object.entries(fullFormats)) {
    if (format instanceof RegExp) FormatRegistry.Set(name, (value) => format.test(value));
    else if (typeof format === "function")
      FormatRegistry.Set(name, format as (v: string) => boolean);
  }
}
