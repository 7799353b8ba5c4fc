-- The console's upload previews name the screen that previewed them
-- (データ取込, 在庫取込, 入金取込): a preview replaces only the session's waiting
-- file of the same shop and screen, and only that screen applies it or shows
-- its 取込結果. Rows written before this migration get '' and no screen takes
-- them: they are previews of at most 30 minutes, expired as staff see them
-- (「もう一度ファイルを選んで「プレビュー」を押してください」).

-- +goose Up
ALTER TABLE `uploads` ADD COLUMN `screen` text NOT NULL DEFAULT '';
