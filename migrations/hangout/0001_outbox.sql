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
CREATE INDEX `outbox_pending_idx` ON `outbox` (`published_at`,`seq`);--> statement-breakpoint
CREATE INDEX `outbox_aggregate_idx` ON `outbox` (`aggregate_id`,`published_at`,`seq`);