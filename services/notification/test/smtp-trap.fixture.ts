// A TCP proxy in front of the SMTP sink that calls a hook (the test's SIGKILL of the mailer) at one
// exact point of an SMTP exchange, so each crash point of the mailer's transaction is hit on purpose
// rather than by timing.
import net from "node:net";

/**
 * Where the mailer is stopped:
 * - `claimed`: it opened the SMTP connection, so its row is claimed; not a byte of mail was sent.
 * - `data-sent`: it sent the whole message; the server never got the final dot, so never took it.
 * - `accepted`: the server took the message (its 250 is held back from the mailer); the statement
 *   that marks the row sent has not run (the duplicate window of 0016).
 */
export type CrashPoint = "claimed" | "data-sent" | "accepted";

export interface SmtpTrap {
  /** smtp://127.0.0.1:<port> */
  url: string;
  /** The next exchange that reaches `point` calls `hook` there, once. */
  arm(point: CrashPoint, hook: () => void): void;
  stop(): Promise<void>;
}

const END_OF_DATA = "\r\n.\r\n";

export async function startSmtpTrap(target: { host: string; port: number }): Promise<SmtpTrap> {
  let armed: { point: CrashPoint; hook: () => void } | undefined;
  const fire = (point: CrashPoint) => {
    if (armed?.point !== point) return false;
    const { hook } = armed;
    armed = undefined;
    hook();
    return true;
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("error", () => undefined);
    client.on("close", () => sockets.delete(client));
    if (fire("claimed")) return void client.destroy();
    const upstream = net.connect(target.port, target.host);
    sockets.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on("error", close);
    upstream.on("close", () => {
      sockets.delete(upstream);
      close();
    });
    client.on("close", close);
    let dataEnded = false;
    // The terminator may come split over two writes.
    let tail = "";
    client.on("data", (chunk: Buffer) => {
      const text = tail + chunk.toString("latin1");
      tail = text.slice(-(END_OF_DATA.length - 1));
      if (text.includes(END_OF_DATA)) {
        tail = "";
        // Withheld: the server keeps waiting for the end of the message it will never get.
        if (fire("data-sent")) return close();
        dataEnded = true;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      const accepted = dataEnded && /^250 /m.test(chunk.toString("latin1"));
      if (accepted) dataEnded = false;
      // The server took it; the mailer is stopped before its 250 arrives, so before the
      // statement that marks the row sent could start (the mark follows the reply at once).
      if (accepted && fire("accepted")) return;
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    arm(point, hook) {
      armed = { point, hook };
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
