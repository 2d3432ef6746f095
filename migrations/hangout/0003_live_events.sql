CREATE TABLE `live_clock` (
	`id` tinyint NOT NULL,
	`position` bigint unsigned NOT NULL,
	CONSTRAINT `live_clock_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `live_events` (
	`position` bigint unsigned NOT NULL,
	`hangout_id` char(36) NOT NULL,
	`type` varchar(40) NOT NULL,
	`actor_id` char(36),
	`subject_user_id` char(36),
	`resource_id` char(36) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `live_events_position` PRIMARY KEY(`position`)
);
--> statement-breakpoint
CREATE TABLE `live_horizons` (
	`hangout_id` char(36) NOT NULL,
	`pruned_through` bigint unsigned NOT NULL,
	CONSTRAINT `live_horizons_hangout_id` PRIMARY KEY(`hangout_id`)
);
--> statement-breakpoint
CREATE INDEX `live_events_hangout_idx` ON `live_events` (`hangout_id`,`position`);--> statement-breakpoint
CREATE INDEX `live_events_subject_idx` ON `live_events` (`subject_user_id`,`position`);--> statement-breakpoint
CREATE INDEX `live_events_created_idx` ON `live_events` (`created_at`);