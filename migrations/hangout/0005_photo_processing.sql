ALTER TABLE `memories` ADD `photo_status` enum('processing','ready','failed') DEFAULT 'ready' NOT NULL;--> statement-breakpoint
ALTER TABLE `memories` ADD `failure_reason` enum('too_large','undecodable','timeout','infected','missing');--> statement-breakpoint
ALTER TABLE `memories` ADD `width` int;--> statement-breakpoint
ALTER TABLE `memories` ADD `height` int;--> statement-breakpoint
ALTER TABLE `memories` ADD `placeholder` varchar(64);--> statement-breakpoint
ALTER TABLE `memories` ADD `processed_at` datetime(3);