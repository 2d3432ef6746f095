import { runService } from "@hangout/platform/service/run";
import { notificationService } from "./app.ts";

await runService(notificationService);
