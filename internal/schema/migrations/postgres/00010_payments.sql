-- 入金連携 (issue 24): ColorMe's paid as the import last read it
-- (orders.colorme_paid), the OMS's own 入金済み marking (paid_at, paid_on,
-- paid_by: when, the payment date and who), the shop setting 入金確認メールを送る
-- (shops.send_paid_mail) and the ledger of the 入金確認メール
-- (paid_mail_ledger, the mail_ledger's shape), which keeps it at most one per sale.

-- +goose Up
ALTER TABLE orders ADD COLUMN colorme_paid boolean NOT NULL DEFAULT false;
ALTER TABLE orders ADD COLUMN paid_at timestamp with time zone;
ALTER TABLE orders ADD COLUMN paid_on date;
ALTER TABLE orders ADD COLUMN paid_by text NOT NULL DEFAULT '';
ALTER TABLE shops ADD COLUMN send_paid_mail boolean NOT NULL DEFAULT false;
CREATE TABLE paid_mail_ledger (
    shop_id character varying(63) NOT NULL,
    sale_id bigint NOT NULL,
    state character varying(16) NOT NULL,
    run_id bigint NOT NULL,
    claimed_at timestamp with time zone,
    sent_at timestamp with time zone,
    CONSTRAINT paid_mail_ledger_pkey PRIMARY KEY (shop_id, sale_id)
);

