import { runService } from "@hangout/platform/service/run";
import { authService } from "./app.ts";

await runService(authService);
