import { runService } from "@hangout/platform/service/run";
import { fileService } from "./app.ts";

await runService(fileService);
