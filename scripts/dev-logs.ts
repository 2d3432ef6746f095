/**
 * How `npm run dev` shows a service's stdout. The services always log JSON lines; a person at a
 * terminal gets them through pino-pretty with the service's name on each line, anything else (a
 * pipe, a file, a log collector) gets the JSON lines unchanged.
 */
import { prettyFactory } from "pino-pretty";

export interface LogFormatOptions {
  /** Shown on every prettified line, so interleaved services stay apart. */
  service: string;
  pretty: boolean;
  /** ANSI colours in pretty mode (pino-pretty's `isColorSupported` for a terminal). */
  colorize?: boolean;
}

/** Turns one line of a service's stdout (without its newline) into the text to print. */
export function logLineFormatter(options: LogFormatOptions): (line: string) => string {
  if (!options.pretty) return (line) => `${line}\n`;
  // Lines that are not JSON (a stack trace, a stray console.log) come back unchanged.
  return prettyFactory({
    colorize: options.colorize ?? false,
    translateTime: "SYS:HH:MM:ss.l",
    // Shown by messageFormat instead; pid and hostname are the same on every line here.
    ignore: "pid,hostname,service",
    messageFormat: (log, messageKey, _level, { colors }) =>
      `${colors.magenta(options.service.padEnd(7))} ${String(log[messageKey] ?? "")}`,
  });
}

/**
 * Copies a child's stdout to `out` a whole line at a time (services share one terminal, so a
 * line is never split by another service's output), formatted as `options` says. Resolves when
 * `source` ends.
 */
export async function pipeLogs(
  source: ReadableStream<Uint8Array>,
  out: { write(text: string): unknown },
  options: LogFormatOptions,
): Promise<void> {
  const format = logLineFormatter(options);
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of source) {
    const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
    partial = lines.pop() ?? "";
    if (lines.length > 0) out.write(lines.map(format).join(""));
  }
  partial += decoder.decode();
  if (partial) out.write(format(partial));
}
