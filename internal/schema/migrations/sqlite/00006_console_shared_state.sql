-- Console security, second round (issue 22): the login throttle and the upload
-- previews waiting for 「取込」 move into the database, so that several console
-- processes on one database share them; and staff users get the shops an admin
-- gives them (admins reach every shop).

-- +goose Up
CREATE TABLE `login_attempts` (`key_hash` text,`attempts` integer NOT NULL,`last_at` datetime NOT NULL,`locked_until` datetime NOT NULL,`version` integer NOT NULL,PRIMARY KEY (`key_hash`));
CREATE TABLE `uploads` (`token` text,`session` text NOT NULL,`shop_id` text NOT NULL,`name` text NOT NULL,`data` blob,`size` integer NOT NULL,`sha256` text NOT NULL,`state` integer NOT NULL,`result` text NOT NULL,`added_at` datetime NOT NULL,`expires_at` datetime NOT NULL,PRIMARY KEY (`token`));
CREATE INDEX `idx_uploads_expires_at` ON `uploads`(`expires_at`);
CREATE TABLE `user_shops` (`user_id` integer,`shop_id` text,PRIMARY KEY (`user_id`,`shop_id`));
CREATE INDEX `idx_user_shops_shop_id` ON `user_shops`(`shop_id`);
-- Staff users of an earlier version reached every shop: they keep the shops
-- there are now, and an admin narrows them in ユーザー管理 or `starter user shops`.
INSERT INTO user_shops (user_id, shop_id) SELECT users.id, shops.id FROM users CROSS JOIN shops WHERE users.role = 'staff';
