-- The one row of live_clock: every live change takes the next position from it.
INSERT INTO `live_clock` (`id`, `position`) VALUES (1, 0);
