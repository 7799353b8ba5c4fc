-- Notifications for staff (issue 23): each shop's channels (notify_email, a
-- comma-separated list; notify_webhook_url) and thresholds (a sale failing in
-- notify_sale_failures consecutive exports; an on-change export lagging by
-- notify_lag_minutes), the problems found (notifications: one row per open or
-- resolved problem of a shop), what was sent about them (notification_events:
-- opened, repeated, resolved) and each channel's delivery of an event
-- (notification_deliveries, keyed by event, channel and recipient so that a
-- retried delivery never sends twice). The tables are internal/notify's.

-- +goose Up
ALTER TABLE `shops` ADD COLUMN `notify_email` text NOT NULL DEFAULT "";
ALTER TABLE `shops` ADD COLUMN `notify_webhook_url` text NOT NULL DEFAULT "";
ALTER TABLE `shops` ADD COLUMN `notify_sale_failures` integer NOT NULL DEFAULT 3;
ALTER TABLE `shops` ADD COLUMN `notify_lag_minutes` integer NOT NULL DEFAULT 15;
CREATE TABLE `notifications` (`id` integer PRIMARY KEY AUTOINCREMENT,`shop_id` text NOT NULL,`kind` text NOT NULL,`key` text NOT NULL DEFAULT "",`state` text NOT NULL,`marker` text NOT NULL DEFAULT "",`summary` text NOT NULL DEFAULT "",`detail` text NOT NULL DEFAULT "",`fix_path` text NOT NULL DEFAULT "",`run_id` integer NOT NULL DEFAULT 0,`sales` text NOT NULL DEFAULT "",`occurrences` integer NOT NULL DEFAULT 1,`notified_occurrences` integer NOT NULL DEFAULT 1,`opened_at` datetime NOT NULL,`last_seen_at` datetime NOT NULL,`last_notified_at` datetime NOT NULL,`resolved_at` datetime);
CREATE UNIQUE INDEX `notifications_open` ON `notifications`(`shop_id`,`kind`,`key`) WHERE state = 'open';
CREATE TABLE `notification_events` (`id` integer PRIMARY KEY AUTOINCREMENT,`notification_id` integer NOT NULL,`event` text NOT NULL,`created_at` datetime NOT NULL,`dispatched` numeric NOT NULL DEFAULT false);
CREATE INDEX `notification_events_pending` ON `notification_events`(`dispatched`) WHERE NOT dispatched;
CREATE INDEX `notification_events_notification` ON `notification_events`(`notification_id`);
CREATE TABLE `notification_deliveries` (`event_id` integer,`channel` text,`target` text,`status` text NOT NULL,`error` text NOT NULL DEFAULT "",`at` datetime NOT NULL,PRIMARY KEY (`event_id`,`channel`,`target`));
