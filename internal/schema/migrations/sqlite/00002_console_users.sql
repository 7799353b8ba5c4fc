-- The operator console: its users and their sessions, who started a run, and
-- the indexes of 受注一覧 and of an order's last export outcome.

-- +goose Up
CREATE TABLE `users` (`id` integer PRIMARY KEY AUTOINCREMENT,`login` text NOT NULL,`password_hash` text NOT NULL,`role` text NOT NULL,`created_at` datetime,`updated_at` datetime);
CREATE UNIQUE INDEX `users_login` ON `users`(`login`);
CREATE TABLE `sessions` (`token_hash` text,`user_id` integer NOT NULL,`expires_at` datetime NOT NULL,`created_at` datetime,PRIMARY KEY (`token_hash`));
CREATE INDEX `idx_sessions_user_id` ON `sessions`(`user_id`);
-- The operator login of a manual run; '' = scheduled, or started before this version.
ALTER TABLE `runs` ADD COLUMN `started_by` text NOT NULL DEFAULT '';
CREATE INDEX orders_status ON orders (shop_id, status, sale_id);
CREATE INDEX orders_flagged ON orders (shop_id, sale_id) WHERE flag_reason <> '';
CREATE INDEX run_outcomes_sale ON run_outcomes (shop_id, sale_id, run_id);
