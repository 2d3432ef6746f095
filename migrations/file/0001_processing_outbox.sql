CREATE TABLE `outbox` (
	`seq` bigint unsigned AUTO_INCREMENT NOT NULL,
	`event_id` char(36) NOT NULL,
	`aggregate_id` varchar(128) NOT NULL,
	`type` varchar(255) NOT NULL,
	`payload` mediumtext NOT NULL,
	`traceparent` varchar(128),
	`created_at` datetime(3) NOT NULL,
	`published_at` datetime(3),
	CONSTRAINT `outbox_seq` PRIMARY KEY(`seq`),
	CONSTRAINT `outbox_event_id_idx` UNIQUE(`event_id`)
);
--> statement-breakpoint
ALTER TABLE `files` MODIFY COLUMN `status` enum('PENDING','UPLOADED','PROCESSING','READY','FAILED','DELETING') NOT NULL;--> statement-breakpoint
ALTER TABLE `files` ADD `width` int;--> statement-breakpoint
ALTER TABLE `files` ADD `height` int;--> statement-breakpoint
ALTER TABLE `files` ADD `placeholder` varchar(64);--> statement-breakpoint
ALTER TABLE `files` ADD `failure_reason` varchar(32);--> statement-breakpoint
ALTER TABLE `files` ADD `processed_at` datetime(3);--> statement-breakpoint
ALTER TABLE `files` ADD `original_width` int;--> statement-breakpoint
ALTER TABLE `files` ADD `original_height` int;--> statement-breakpoint
ALTER TABLE `files` ADD `original_content_type` varchar(32);--> statement-breakpoint
ALTER TABLE `files` ADD `original_size` int;--> statement-breakpoint
ALTER TABLE `files` ADD `preview_width` int;--> statement-breakpoint
ALTER TABLE `files` ADD `preview_height` int;--> statement-breakpoint
ALTER TABLE `files` ADD `preview_content_type` varchar(32);--> statement-breakpoint
ALTER TABLE `files` ADD `preview_size` int;--> statement-breakpoint
ALTER TABLE `files` ADD `thumbnail_width` int;--> statement-breakpoint
ALTER TABLE `files` ADD `thumbnail_height` int;--> statement-breakpoint
ALTER TABLE `files` ADD `thumbnail_content_type` varchar(32);--> statement-breakpoint
ALTER TABLE `files` ADD `thumbnail_size` int;--> statement-breakpoint
CREATE INDEX `outbox_pending_idx` ON `outbox` (`published_at`,`seq`);--> statement-breakpoint
CREATE INDEX `outbox_aggregate_idx` ON `outbox` (`aggregate_id`,`published_at`,`seq`);--> statement-breakpoint
CREATE INDEX `files_status_uploaded_idx` ON `files` (`status`,`uploaded_at`);