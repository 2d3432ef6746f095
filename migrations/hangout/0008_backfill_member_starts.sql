-- Every membership takes its hangout's start, before the column becomes NOT NULL (0009).
UPDATE `members` `m` JOIN `hangouts` `h` ON `h`.`id` = `m`.`hangout_id` SET `m`.`starts_at` = `h`.`starts_at`;
