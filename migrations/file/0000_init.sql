CREATE TABLE `files` (
	`id` char(36) NOT NULL,
	`object_key` varchar(64) NOT NULL,
	`owner_ref` varchar(200) NOT NULL,
	`filename` varchar(255) NOT NULL,
	`content_type` varchar(32) NOT NULL,
	`size` int NOT NULL,
	`sha256` char(44) NOT NULL,
	`status` enum('PENDING','UPLOADED','DELETING') NOT NULL,
	`expires_at` datetime(3) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`uploaded_at` datetime(3),
	`claimed_at` datetime(3),
	CONSTRAINT `files_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE INDEX `files_status_expires_idx` ON `files` (`status`,`expires_at`);