DROP INDEX `members_user_idx` ON `members`;--> statement-breakpoint
ALTER TABLE `members` MODIFY COLUMN `starts_at` datetime(3) NOT NULL;--> statement-breakpoint
CREATE INDEX `members_user_starts_idx` ON `members` (`user_id`,`starts_at`,`hangout_id`);