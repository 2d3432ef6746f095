DROP INDEX `files_status_uploaded_idx` ON `files`;--> statement-breakpoint
ALTER TABLE `files` ADD `queued_at` datetime(3);--> statement-breakpoint
CREATE INDEX `files_status_queued_idx` ON `files` (`status`,`queued_at`);