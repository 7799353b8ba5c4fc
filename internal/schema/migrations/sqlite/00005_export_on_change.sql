-- Incremental exports on change (issue 15): the shop setting export_on_change
-- (変更時にすぐ書き出す, on by default) and an index for the sales whose last
-- export outcome failed, which every incremental export retries. Export runs
-- use runs.watermark (until now the import's): where the next incremental
-- export starts, counted once the run completed.

-- +goose Up
ALTER TABLE `shops` ADD COLUMN `export_on_change` numeric NOT NULL DEFAULT true;
CREATE INDEX run_outcomes_failed ON run_outcomes (shop_id, run_id) WHERE outcome = 'failed';
