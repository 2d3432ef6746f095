CREATE TABLE `deliveries` (
	`id` char(36) NOT NULL,
	`source_id` varchar(100) NOT NULL,
	`recipient` varchar(260) NOT NULL,
	`user_id` char(36),
	`email` varchar(254),
	`kind` enum('invitation','update','reminder') NOT NULL,
	`hangout_id` char(36) NOT NULL,
	`content` json NOT NULL,
	`traceparent` varchar(55),
	`status` enum('pending','sent','skipped','failed') NOT NULL,
	`attempts` int NOT NULL,
	`next_attempt_at` datetime(3) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`finished_at` datetime(3),
	`outcome` varchar(255),
	CONSTRAINT `deliveries_id` PRIMARY KEY(`id`),
	CONSTRAINT `deliveries_source_recipient_uq` UNIQUE(`source_id`,`recipient`)
);
--> statement-breakpoint
CREATE TABLE `hangouts` (
	`id` char(36) NOT NULL,
	`owner_id` char(36) NOT NULL,
	`title` varchar(120) NOT NULL,
	`location_name` varchar(200),
	`starts_at` datetime(3) NOT NULL,
	`ends_at` datetime(3),
	`status` enum('planning','confirmed','done','cancelled') NOT NULL,
	`changed_at` datetime(3) NOT NULL,
	`status_changed_at` datetime(3) NOT NULL,
	`deleted_at` datetime(3),
	`reminded_starts_at` datetime(3),
	CONSTRAINT `hangouts_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `inbox` (
	`consumer` varchar(191) NOT NULL,
	`event_id` char(36) NOT NULL,
	`type` varchar(255) NOT NULL,
	`processed_at` datetime(3) NOT NULL,
	CONSTRAINT `inbox_consumer_event_id_pk` PRIMARY KEY(`consumer`,`event_id`)
);
--> statement-breakpoint
CREATE TABLE `members` (
	`hangout_id` char(36) NOT NULL,
	`user_id` char(36) NOT NULL,
	`rsvp` enum('going','maybe','declined','pending') NOT NULL,
	`changed_at` datetime(3) NOT NULL,
	`removed_at` datetime(3),
	CONSTRAINT `members_pk` PRIMARY KEY(`hangout_id`,`user_id`)
);
--> statement-breakpoint
CREATE TABLE `preferences` (
	`user_id` char(36) NOT NULL,
	`invitation` boolean NOT NULL,
	`update` boolean NOT NULL,
	`reminder` boolean NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `preferences_user_id` PRIMARY KEY(`user_id`)
);
--> statement-breakpoint
CREATE TABLE `suppressed_addresses` (
	`email` varchar(254) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `suppressed_addresses_email` PRIMARY KEY(`email`)
);
--> statement-breakpoint
CREATE INDEX `deliveries_due_idx` ON `deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `hangouts_due_idx` ON `hangouts` (`status`,`starts_at`);--> statement-breakpoint
CREATE INDEX `inbox_processed_idx` ON `inbox` (`processed_at`);