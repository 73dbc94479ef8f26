-- +goose Up
-- The running budget use (issue 12, point 2): each expense posting adds
-- its amount, in cents, to its cost center's period and site here, so the
-- budget check and the budget reports read one row per site instead of
-- summing the journal. erp_entry_lines stays the record; the row is a
-- total of it, kept in the posting's transaction and recounted by
-- store.Tx.ERPBudgetUseDrift. The ledger takes no fractions of a cent.
CREATE TABLE erp_budget_use (
    cost_center  TEXT NOT NULL,
    period       TEXT NOT NULL,
    site_id      TEXT NOT NULL,
    actual_cents BIGINT NOT NULL,
    PRIMARY KEY (cost_center, period, site_id)
);
INSERT INTO erp_budget_use (cost_center, period, site_id, actual_cents)
SELECT l.cost_center, e.period, e.site_id, ((SUM(l.debit) - SUM(l.credit)) * 100)::BIGINT
FROM erp_entry_lines l
JOIN erp_accounts a ON a.code = l.account
JOIN erp_entries e ON e.id = l.entry_id
WHERE a.type = 'expense' AND l.cost_center <> ''
GROUP BY l.cost_center, e.period, e.site_id;

-- +goose Down
DROP TABLE erp_budget_use;
