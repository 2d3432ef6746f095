import { runService } from "@hangout/platform/service/run";
import { hangoutService } from "./app.ts";

await runService(hangoutService);
