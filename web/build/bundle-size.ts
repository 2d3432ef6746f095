/**
 * Prints how much JavaScript the first page loads, gzipped: the entry chunk and every chunk it
 * imports statically (lazy pages excluded), and fails the build over the budget.
 */
import { gzipSync } from "node:zlib";
import type { Plugin } from "vite";

export const FIRST_PAGE_BUDGET_BYTES = 150 * 1024;

interface Chunk {
  type: "chunk";
  fileName: string;
  code: string;
  isEntry: boolean;
  imports: string[];
}

export function bundleSize(): Plugin {
  return {
    name: "hangout-bundle-size",
    apply: "build",
    generateBundle(_, bundle) {
      const chunks = new Map<string, Chunk>();
      for (const item of Object.values(bundle)) {
        if (item.type === "chunk") chunks.set(item.fileName, item as unknown as Chunk);
      }
      const seen = new Set<string>();
      const visit = (name: string) => {
        if (seen.has(name)) return;
        seen.add(name);
        for (const next of chunks.get(name)?.imports ?? []) visit(next);
      };
      for (const chunk of chunks.values()) if (chunk.isEntry) visit(chunk.fileName);
      let gzipped = 0;
      for (const name of seen) gzipped += gzipSync(chunks.get(name)?.code ?? "").length;
      const kb = (gzipped / 1024).toFixed(1);
      const line = `first page JavaScript: ${kb} KB gzipped in ${seen.size} files (budget ${FIRST_PAGE_BUDGET_BYTES / 1024} KB)`;
      if (gzipped > FIRST_PAGE_BUDGET_BYTES) this.error(line);
      console.log(`\n${line}`);
    },
  };
}
