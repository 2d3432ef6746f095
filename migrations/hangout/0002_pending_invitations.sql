CREATE TABLE `inbox` (
	`consumer` varchar(191) NOT NULL,
	`event_id` char(36) NOT NULL,
	`type` varchar(255) NOT NULL,
	`processed_at` datetime(3) NOT NULL,
	CONSTRAINT `inbox_consumer_event_id_pk` PRIMARY KEY(`consumer`,`event_id`)
);
--> statement-breakpoint
CREATE TABLE `pending_invitations` (
	`id` char(36) NOT NULL,
	`hangout_id` char(36) NOT NULL,
	`email` varchar(254) NOT NULL,
	`invited_by` char(36) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`expires_at` datetime(3) NOT NULL,
	CONSTRAINT `pending_invitations_id` PRIMARY KEY(`id`),
	CONSTRAINT `pending_invitations_hangout_email_unique` UNIQUE(`hangout_id`,`email`)
);
--> statement-breakpoint
ALTER TABLE `pending_invitations` ADD CONSTRAINT `pending_invitations_hangout_id_hangouts_id_fk` FOREIGN KEY (`hangout_id`) REFERENCES `hangouts`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `inbox_processed_idx` ON `inbox` (`processed_at`);--> statement-breakpoint
CREATE INDEX `pending_invitations_list_idx` ON `pending_invitations` (`hangout_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `pending_invitations_email_idx` ON `pending_invitations` (`email`,`expires_at`);--> statement-breakpoint
CREATE INDEX `pending_invitations_expires_idx` ON `pending_invitations` (`expires_at`);