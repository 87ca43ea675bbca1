-- 0001: what a workspace is made of. Every row belongs to a workspace
-- (workspace_id), and every query names it. Times are Unix milliseconds,
-- UTC; NULL is not known. The types (TEXT, BIGINT, SMALLINT) and the
-- statements are ones PostgreSQL takes as they are.

CREATE TABLE workspaces (
    id          TEXT PRIMARY KEY, -- see Store.Workspace: derived from the lines' IDs
    created_at  BIGINT NOT NULL
);

CREATE TABLE lines (
    workspace_id TEXT NOT NULL,
    id           TEXT NOT NULL, -- PN…
    number       TEXT NOT NULL, -- E.164
    name         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE line_users (
    workspace_id TEXT NOT NULL,
    line_id      TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    PRIMARY KEY (workspace_id, line_id, user_id)
);

CREATE TABLE users (
    workspace_id TEXT NOT NULL,
    id           TEXT NOT NULL, -- US…
    email        TEXT NOT NULL DEFAULT '',
    first_name   TEXT NOT NULL DEFAULT '',
    last_name    TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE contacts (
    workspace_id TEXT NOT NULL,
    id           TEXT NOT NULL,
    first_name   TEXT NOT NULL DEFAULT '',
    last_name    TEXT NOT NULL DEFAULT '',
    company      TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL DEFAULT '',
    updated_at   BIGINT,
    seen         BIGINT NOT NULL, -- the read of every contact that last listed it
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE contact_numbers (
    workspace_id TEXT NOT NULL,
    contact_id   TEXT NOT NULL,
    position     BIGINT NOT NULL,
    label        TEXT NOT NULL DEFAULT '',
    raw          TEXT NOT NULL,             -- as typed in OpenPhone
    number       TEXT NOT NULL DEFAULT '',  -- E.164, '' when raw is no number
    PRIMARY KEY (workspace_id, contact_id, position)
);
CREATE INDEX contact_numbers_by_number ON contact_numbers (workspace_id, number);

CREATE TABLE conversations (
    workspace_id     TEXT NOT NULL,
    id               TEXT NOT NULL, -- CN…
    line_id          TEXT NOT NULL,
    participants     TEXT NOT NULL, -- E.164 numbers, in the API's order, comma-separated
    name             TEXT,
    assigned_to      TEXT,
    created_at       BIGINT,
    updated_at       BIGINT,
    last_activity_at BIGINT,
    last_activity_id TEXT,
    muted_until      BIGINT,
    snoozed_until    BIGINT,
    read_through     BIGINT, -- its messages and calls are stored up to here
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX conversations_by_activity ON conversations (workspace_id, last_activity_at);
CREATE INDEX conversations_by_line ON conversations (workspace_id, line_id, last_activity_at);
CREATE INDEX conversations_by_assignee ON conversations (workspace_id, assigned_to, last_activity_at);

CREATE TABLE conversation_participants (
    workspace_id    TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    number          TEXT NOT NULL, -- E.164
    PRIMARY KEY (workspace_id, conversation_id, number)
);
CREATE INDEX participants_by_number ON conversation_participants (workspace_id, number);

CREATE TABLE messages (
    workspace_id    TEXT NOT NULL,
    id              TEXT NOT NULL, -- AC…
    conversation_id TEXT NOT NULL,
    line_id         TEXT NOT NULL,
    direction       TEXT NOT NULL, -- incoming | outgoing
    from_number     TEXT NOT NULL,
    to_numbers      TEXT NOT NULL, -- comma-separated
    body            TEXT NOT NULL,
    user_id         TEXT,          -- the sender of an outgoing message
    status          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX messages_by_conversation ON messages (workspace_id, conversation_id, created_at);
CREATE INDEX messages_by_line ON messages (workspace_id, line_id, created_at);
CREATE INDEX messages_by_user ON messages (workspace_id, user_id, created_at);
CREATE INDEX messages_by_time ON messages (workspace_id, created_at);

-- A call's texts each have a status: pending (not read yet), processing
-- (OpenPhone is still making it: read again), absent (there is none, or
-- the plan has none) or done.
CREATE TABLE calls (
    workspace_id         TEXT NOT NULL,
    id                   TEXT NOT NULL, -- AC…
    conversation_id      TEXT NOT NULL,
    line_id              TEXT NOT NULL,
    direction            TEXT NOT NULL,
    status               TEXT NOT NULL, -- completed, missed, no-answer, …
    participant          TEXT NOT NULL, -- the outside number, E.164
    user_id              TEXT,
    answered_by          TEXT,
    initiated_by         TEXT,
    created_at           BIGINT NOT NULL,
    answered_at          BIGINT,
    completed_at         BIGINT,
    duration             BIGINT NOT NULL DEFAULT 0, -- seconds
    voicemail_status     TEXT NOT NULL,
    voicemail_transcript TEXT,
    summary_status       TEXT NOT NULL,
    summary              TEXT,
    transcript_status    TEXT NOT NULL,
    transcript           TEXT,
    texts_due            SMALLINT NOT NULL, -- 1 while a text is pending or processing
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX calls_by_conversation ON calls (workspace_id, conversation_id, created_at);
CREATE INDEX calls_by_line ON calls (workspace_id, line_id, created_at);
CREATE INDEX calls_by_user ON calls (workspace_id, user_id, created_at);
CREATE INDEX calls_by_time ON calls (workspace_id, created_at);
CREATE INDEX calls_due ON calls (workspace_id, texts_due);

CREATE TABLE sync_state (
    workspace_id           TEXT PRIMARY KEY,
    backfill_started_at    BIGINT, -- when the backfill began; its incremental mark
    backfill_horizon       BIGINT, -- the oldest activity it reads
    backfill_page_token    TEXT,   -- the page of conversations to read next
    backfill_conversations BIGINT NOT NULL DEFAULT 0, -- conversations read so far
    backfill_done_at       BIGINT,
    covered_since          BIGINT, -- all activity from here to incremental_mark is stored
    incremental_mark       BIGINT, -- the next incremental read lists changes since here
    contacts_read_at       BIGINT, -- the last full read of the contacts
    last_sync_at           BIGINT,
    last_error             TEXT NOT NULL DEFAULT ''
);

-- One holder at a time syncs a workspace: a lease that is renewed while
-- the holder works, and taken over once it expires.
CREATE TABLE leases (
    workspace_id TEXT NOT NULL,
    name         TEXT NOT NULL,
    holder       TEXT NOT NULL,
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, name)
);
