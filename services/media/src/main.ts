import { runService } from "@hangout/platform/service/run";
import { mediaService } from "./app.ts";

await runService(mediaService);
