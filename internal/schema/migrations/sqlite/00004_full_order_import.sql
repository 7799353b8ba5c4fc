-- Full order import (受注取得): what staff ship from — each delivery's whole
-- destination, the customer, payment method, memo, totals and line items.
-- Orders imported before stay as they were (full_import false) until the next
-- import fills them in.

-- +goose Up
ALTER TABLE `orders` ADD COLUMN `full_import` numeric NOT NULL DEFAULT false;
ALTER TABLE `orders` ADD COLUMN `customer_name` text NOT NULL DEFAULT "";
ALTER TABLE `orders` ADD COLUMN `customer_furigana` text NOT NULL DEFAULT "";
ALTER TABLE `orders` ADD COLUMN `customer_mail` text NOT NULL DEFAULT "";
ALTER TABLE `orders` ADD COLUMN `customer_tel` text NOT NULL DEFAULT "";
ALTER TABLE `orders` ADD COLUMN `payment_id` integer NOT NULL DEFAULT 0;
ALTER TABLE `orders` ADD COLUMN `memo` text NOT NULL DEFAULT "";
ALTER TABLE `orders` ADD COLUMN `product_total_price` integer NOT NULL DEFAULT 0;
ALTER TABLE `orders` ADD COLUMN `delivery_total_charge` integer NOT NULL DEFAULT 0;
ALTER TABLE `orders` ADD COLUMN `fee` integer NOT NULL DEFAULT 0;
ALTER TABLE `orders` ADD COLUMN `tax` integer NOT NULL DEFAULT 0;
ALTER TABLE `orders` ADD COLUMN `total_price` integer NOT NULL DEFAULT 0;
ALTER TABLE `deliveries` ADD COLUMN `furigana` text NOT NULL DEFAULT "";
ALTER TABLE `deliveries` ADD COLUMN `postal` text NOT NULL DEFAULT "";
ALTER TABLE `deliveries` ADD COLUMN `address2` text NOT NULL DEFAULT "";
ALTER TABLE `deliveries` ADD COLUMN `tel` text NOT NULL DEFAULT "";
ALTER TABLE `deliveries` ADD COLUMN `preferred_date` text NOT NULL DEFAULT "";
ALTER TABLE `deliveries` ADD COLUMN `preferred_period` text NOT NULL DEFAULT "";
CREATE TABLE `order_items` (`shop_id` text,`sale_id` integer,`detail_id` integer,`delivery_id` integer NOT NULL DEFAULT 0,`product_id` integer NOT NULL DEFAULT 0,`name` text NOT NULL DEFAULT "",`option_text` text NOT NULL DEFAULT "",`quantity` integer NOT NULL DEFAULT 0,`price` integer NOT NULL DEFAULT 0,`subtotal` integer NOT NULL DEFAULT 0,PRIMARY KEY (`shop_id`,`sale_id`,`detail_id`));
