-- The schema of release 56606a0, exactly as gorm's AutoMigrate made it (and
-- oauth_states, which `starter shop connect` created on first use): the same
-- statements, so sqlite_master reads the same. A database made by that release
-- is adopted as this version without change.

-- +goose Up
CREATE TABLE `shops` (`id` text,`name` text NOT NULL,`api_base_url` text NOT NULL,`client_id` text NOT NULL,`redirect_url` text NOT NULL,`client_secret_sealed` text NOT NULL,`access_token_sealed` text NOT NULL,`reconnect_needed` numeric NOT NULL,`reconnect_reason` text NOT NULL,`import_enabled` numeric,`import_interval_minutes` integer,`import_days` integer,`export_enabled` numeric,`export_interval_minutes` integer,`window_days` integer,`require_ship_date` numeric,`send_mail` numeric,`created_at` datetime,`updated_at` datetime,PRIMARY KEY (`id`));
CREATE TABLE `orders` (`shop_id` text,`sale_id` integer,`status` text NOT NULL,`ordered_at` datetime NOT NULL,`updated_at` datetime NOT NULL,`bundle_parent_sale_id` integer,`colorme_canceled` numeric NOT NULL DEFAULT false,`flag_reason` text NOT NULL DEFAULT "",`imported_at` datetime,`colorme_parent_sale_id` integer,PRIMARY KEY (`shop_id`,`sale_id`));
CREATE INDEX `orders_bundle_parent` ON `orders`(`bundle_parent_sale_id`);
CREATE TABLE `deliveries` (`shop_id` text,`sale_id` integer,`delivery_id` integer,`slip_number` text NOT NULL DEFAULT "",`shipped_on` text,`name` text NOT NULL DEFAULT "",`pref_name` text NOT NULL DEFAULT "",`delivery_method_id` integer NOT NULL DEFAULT 0,`address1` text NOT NULL DEFAULT "",PRIMARY KEY (`shop_id`,`sale_id`,`delivery_id`));
CREATE TABLE `runs` (`id` integer PRIMARY KEY AUTOINCREMENT,`shop_id` text NOT NULL,`kind` text NOT NULL,`workflow_id` text NOT NULL,`run_key` text NOT NULL,`trigger` text NOT NULL,`window_days` integer NOT NULL,`require_ship_date` numeric NOT NULL,`send_mail` numeric NOT NULL,`dry_run` numeric NOT NULL,`as_of` datetime,`started_at` datetime,`finished_at` datetime,`status` text NOT NULL,`error` text NOT NULL,`targets` integer,`updated` integer,`unchanged` integer,`skipped` integer,`failed` integer,`mails` integer,`import_fetched` integer NOT NULL DEFAULT 0,`import_created` integer NOT NULL DEFAULT 0,`import_updated` integer NOT NULL DEFAULT 0,`import_unchanged` integer NOT NULL DEFAULT 0,`import_cancelled` integer NOT NULL DEFAULT 0,`import_flagged` integer NOT NULL DEFAULT 0,`watermark` datetime);
CREATE UNIQUE INDEX `runs_run_key` ON `runs`(`run_key`);
CREATE TABLE `run_outcomes` (`run_id` integer,`sale_id` integer,`shop_id` text NOT NULL,`outcome` text NOT NULL,`reason` text NOT NULL,`sent` text NOT NULL,`mailed` numeric NOT NULL,`at` datetime,PRIMARY KEY (`run_id`,`sale_id`));
CREATE TABLE `mail_ledger` (`shop_id` text,`sale_id` integer,`state` text NOT NULL,`run_id` integer NOT NULL,`claimed_at` datetime,`sent_at` datetime,PRIMARY KEY (`shop_id`,`sale_id`));
CREATE TABLE `api_budgets` (`key` text,`next_at` integer NOT NULL,PRIMARY KEY (`key`));
CREATE INDEX orders_targets ON orders (shop_id, updated_at, sale_id) WHERE status NOT IN ('new', 'cancelled');
CREATE INDEX runs_shop ON runs (shop_id, id);
CREATE TABLE `oauth_states` (`state_hash` text,`shop_id` text NOT NULL,`expires_at` datetime NOT NULL,`created_at` datetime,PRIMARY KEY (`state_hash`));
CREATE INDEX `idx_oauth_states_shop_id` ON `oauth_states`(`shop_id`);
