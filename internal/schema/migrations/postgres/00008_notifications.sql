-- Notifications for staff (issue 23): each shop's channels (notify_email, a
-- comma-separated list; notify_webhook_url) and thresholds (a sale failing in
-- notify_sale_failures consecutive exports; an on-change export lagging by
-- notify_lag_minutes), the problems found (notifications: one row per open or
-- resolved problem of a shop), what was sent about them (notification_events:
-- opened, repeated, resolved) and each channel's delivery of an event
-- (notification_deliveries, keyed by event, channel and recipient so that a
-- retried delivery never sends twice). The tables are internal/notify's.

-- +goose Up
ALTER TABLE shops ADD COLUMN notify_email text DEFAULT '' NOT NULL;
ALTER TABLE shops ADD COLUMN notify_webhook_url text DEFAULT '' NOT NULL;
ALTER TABLE shops ADD COLUMN notify_sale_failures bigint DEFAULT 3 NOT NULL;
ALTER TABLE shops ADD COLUMN notify_lag_minutes bigint DEFAULT 15 NOT NULL;
CREATE TABLE "notifications" ("id" bigserial,"shop_id" text NOT NULL,"kind" text NOT NULL,"key" text NOT NULL DEFAULT '',"state" text NOT NULL,"marker" text NOT NULL DEFAULT '',"summary" text NOT NULL DEFAULT '',"detail" text NOT NULL DEFAULT '',"fix_path" text NOT NULL DEFAULT '',"run_id" bigint NOT NULL DEFAULT 0,"sales" text NOT NULL DEFAULT '',"occurrences" bigint NOT NULL DEFAULT 1,"notified_occurrences" bigint NOT NULL DEFAULT 1,"opened_at" timestamptz NOT NULL,"last_seen_at" timestamptz NOT NULL,"last_notified_at" timestamptz NOT NULL,"resolved_at" timestamptz,PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "notifications_open" ON "notifications" ("shop_id","kind","key") WHERE state = 'open';
CREATE TABLE "notification_events" ("id" bigserial,"notification_id" bigint NOT NULL,"event" text NOT NULL,"created_at" timestamptz NOT NULL,"dispatched" boolean NOT NULL DEFAULT false,PRIMARY KEY ("id"));
CREATE INDEX "notification_events_pending" ON "notification_events" ("dispatched") WHERE NOT dispatched;
CREATE INDEX "notification_events_notification" ON "notification_events" ("notification_id");
CREATE TABLE "notification_deliveries" ("event_id" bigint,"channel" text,"target" text,"status" text NOT NULL,"error" text NOT NULL DEFAULT '',"at" timestamptz NOT NULL,PRIMARY KEY ("event_id","channel","target"));
