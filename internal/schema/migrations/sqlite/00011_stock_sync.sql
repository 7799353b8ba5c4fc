-- 自動在庫連携 (issue 24): the shop settings stock_enabled (push ColorMe's stock
-- on change and in a scheduled full reconcile; off by default) and
-- stock_interval_minutes (the reconcile's interval).

-- +goose Up
ALTER TABLE `shops` ADD COLUMN `stock_enabled` numeric NOT NULL DEFAULT false;
ALTER TABLE `shops` ADD COLUMN `stock_interval_minutes` integer NOT NULL DEFAULT 60;
