-- 在庫連携 (issue 24): see the PostgreSQL file.

-- +goose Up
CREATE TABLE `stock_units` (`shop_id` text,`product_id` integer,`option1_value` text,`option2_value` text,`product_name` text NOT NULL,`title` text NOT NULL,`model_number` text NOT NULL,`stock_managed` numeric NOT NULL,`per_option` numeric NOT NULL,`colorme_stocks` integer NOT NULL,`read_at` datetime NOT NULL,PRIMARY KEY (`shop_id`,`product_id`,`option1_value`,`option2_value`));
CREATE INDEX stock_units_model ON stock_units (shop_id, model_number);
CREATE TABLE `stock_levels` (`shop_id` text,`sku` text,`on_hand` integer NOT NULL,`changed_at` datetime NOT NULL,PRIMARY KEY (`shop_id`,`sku`));
CREATE TABLE `stock_movements` (`id` integer PRIMARY KEY AUTOINCREMENT,`shop_id` text NOT NULL,`sku` text NOT NULL,`delta` integer NOT NULL,`on_hand` integer NOT NULL,`reason` text NOT NULL,`actor` text NOT NULL,`at` datetime NOT NULL);
CREATE INDEX stock_movements_sku ON stock_movements (shop_id, sku, id);
CREATE TABLE `stock_writes` (`push_key` text,`shop_id` text NOT NULL,`product_id` integer NOT NULL,`option1_value` text NOT NULL,`option2_value` text NOT NULL,`sku` text NOT NULL,`read_value` integer NOT NULL,`delta` integer NOT NULL,`state` text NOT NULL,`written_at` datetime NOT NULL,PRIMARY KEY (`push_key`));
CREATE INDEX stock_writes_product ON stock_writes (shop_id, product_id, written_at);
CREATE TABLE `stock_deductions` (`shop_id` text,`sale_id` integer,`detail_id` integer,PRIMARY KEY (`shop_id`,`sale_id`,`detail_id`));
