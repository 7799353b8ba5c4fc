-- Delivery and payment methods (issue 21): each shop's 配送方法 and 決済方法 as
-- ColorMe lists them (GET /v1/deliveries, GET /v1/payments), read when the shop
-- connects, once a day by the scheduled import and on demand, so that staff
-- see names instead of ids and each delivery gets its label program. The shop's
-- own クール区分 per delivery method (cool) stays across reads. method_reads
-- records when the methods were last read, and why the last read failed.

-- +goose Up
CREATE TABLE `delivery_methods` (`shop_id` text,`method_id` integer,`name` text NOT NULL DEFAULT "",`method_type` text NOT NULL DEFAULT "",`slip_number_use` numeric NOT NULL DEFAULT false,`slip_number_url` text NOT NULL DEFAULT "",`hidden` numeric NOT NULL DEFAULT false,`sort` integer NOT NULL DEFAULT 0,`cool` text NOT NULL DEFAULT "",PRIMARY KEY (`shop_id`,`method_id`));
CREATE TABLE `payment_methods` (`shop_id` text,`method_id` integer,`name` text NOT NULL DEFAULT "",`payment_type` integer NOT NULL DEFAULT 0,`cod` numeric NOT NULL DEFAULT false,`fee` integer NOT NULL DEFAULT 0,`hidden` numeric NOT NULL DEFAULT false,`sort` integer NOT NULL DEFAULT 0,PRIMARY KEY (`shop_id`,`method_id`));
CREATE TABLE `method_reads` (`shop_id` text,`read_at` datetime,`tried_at` datetime,`error` text NOT NULL DEFAULT "",PRIMARY KEY (`shop_id`));
