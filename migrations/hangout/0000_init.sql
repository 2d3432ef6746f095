CREATE TABLE `activities` (
	`id` char(36) NOT NULL,
	`hangout_id` char(36) NOT NULL,
	`title` varchar(120) NOT NULL,
	`notes` text,
	`proposed_by` char(36) NOT NULL,
	`vote_count` int NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `activities_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `hangouts` (
	`id` char(36) NOT NULL,
	`owner_id` char(36) NOT NULL,
	`title` varchar(120) NOT NULL,
	`description` text,
	`location_name` varchar(200),
	`location_address` varchar(300),
	`location_lat` double,
	`location_lng` double,
	`starts_at` datetime(3) NOT NULL,
	`ends_at` datetime(3),
	`status` enum('planning','confirmed','done','cancelled') NOT NULL,
	`member_count` int NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	`deleted_at` datetime(3),
	CONSTRAINT `hangouts_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`user_id` char(36) NOT NULL,
	`idempotency_key` varchar(255) NOT NULL,
	`scope` varchar(200) NOT NULL,
	`request_hash` char(64) NOT NULL,
	`response_status` int,
	`response_body` text,
	`created_at` datetime(3) NOT NULL,
	`expires_at` datetime(3) NOT NULL,
	CONSTRAINT `idempotency_pk` PRIMARY KEY(`user_id`,`idempotency_key`)
);
--> statement-breakpoint
CREATE TABLE `members` (
	`hangout_id` char(36) NOT NULL,
	`user_id` char(36) NOT NULL,
	`role` enum('owner','member') NOT NULL,
	`rsvp` enum('going','maybe','declined','pending') NOT NULL,
	`joined_at` datetime(3) NOT NULL,
	CONSTRAINT `members_pk` PRIMARY KEY(`hangout_id`,`user_id`)
);
--> statement-breakpoint
CREATE TABLE `memories` (
	`id` char(36) NOT NULL,
	`hangout_id` char(36) NOT NULL,
	`file_id` char(36) NOT NULL,
	`uploaded_by` char(36) NOT NULL,
	`filename` varchar(255) NOT NULL,
	`content_type` varchar(32) NOT NULL,
	`size` int NOT NULL,
	`status` enum('pending','confirmed','deleting') NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`confirmed_at` datetime(3),
	CONSTRAINT `memories_id` PRIMARY KEY(`id`),
	CONSTRAINT `memories_file_unique` UNIQUE(`file_id`)
);
--> statement-breakpoint
CREATE TABLE `votes` (
	`activity_id` char(36) NOT NULL,
	`user_id` char(36) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `votes_pk` PRIMARY KEY(`activity_id`,`user_id`)
);
--> statement-breakpoint
ALTER TABLE `activities` ADD CONSTRAINT `activities_hangout_id_hangouts_id_fk` FOREIGN KEY (`hangout_id`) REFERENCES `hangouts`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `members` ADD CONSTRAINT `members_hangout_id_hangouts_id_fk` FOREIGN KEY (`hangout_id`) REFERENCES `hangouts`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `memories` ADD CONSTRAINT `memories_hangout_id_hangouts_id_fk` FOREIGN KEY (`hangout_id`) REFERENCES `hangouts`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `votes` ADD CONSTRAINT `votes_activity_id_activities_id_fk` FOREIGN KEY (`activity_id`) REFERENCES `activities`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `activities_hangout_idx` ON `activities` (`hangout_id`);--> statement-breakpoint
CREATE INDEX `hangouts_starts_idx` ON `hangouts` (`starts_at`,`id`);--> statement-breakpoint
CREATE INDEX `idempotency_expires_idx` ON `idempotency_keys` (`expires_at`);--> statement-breakpoint
CREATE INDEX `members_user_idx` ON `members` (`user_id`,`hangout_id`);--> statement-breakpoint
CREATE INDEX `memories_list_idx` ON `memories` (`hangout_id`,`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `memories_status_idx` ON `memories` (`status`,`created_at`);