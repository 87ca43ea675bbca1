-- 0004: the webhook deliveries applied, by their event ID, so that each
-- is applied once whichever replica receives it (and however often
-- OpenPhone retries it). An ID is recorded in the transaction that
-- applies its change; IDs older than any retry are pruned. Not a
-- workspace's row: event IDs are OpenPhone's, unique across workspaces.

CREATE TABLE webhook_events (
    id          TEXT PRIMARY KEY, -- the delivery's id (EV…)
    received_at BIGINT NOT NULL   -- Unix ms
);
CREATE INDEX webhook_events_by_time ON webhook_events (received_at);
