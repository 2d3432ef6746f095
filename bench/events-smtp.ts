// The SMTP yardstick of commit -> email: how long one email takes to hand to the sink, with
// notification's own copy of nodemailer, on a new connection per email as its transport does
// (services/notification/src/repositories/smtp.ts) and on one pooled connection. A mailer with
// n emails in flight, a connection each, cannot beat n * 1000 / that many ms per second.
import { createTransport } from "../services/notification/node_modules/nodemailer";
import { median } from "./common.ts";

const PROBES = 20;

export interface SmtpFloor {
  newConnectionMs: number;
  pooledMs: number;
}

export async function smtpFloor(smtpUrl: string): Promise<SmtpFloor> {
  const perEmail = async (pool: boolean) => {
    const transport = createTransport({ url: smtpUrl, pool } as Parameters<
      typeof createTransport
    >[0]);
    const times: number[] = [];
    try {
      for (let i = 0; i < PROBES; i++) {
        const started = performance.now();
        await transport.sendMail({
          from: "bench@example.com",
          to: `smtp-probe-${i}@example.invalid`,
          subject: "bench: SMTP probe",
          text: "An invitation's worth of text. ".repeat(30),
          html: `<p>${"An invitation's worth of HTML. ".repeat(30)}</p>`,
        });
        times.push(performance.now() - started);
      }
    } finally {
      transport.close();
    }
    return median(times);
  };
  return { newConnectionMs: await perEmail(false), pooledMs: await perEmail(true) };
}
