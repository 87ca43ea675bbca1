-- 0002: full-text search over texts and calls' texts. documents holds
-- what is searched, one row per text (kind: text, voicemail, summary,
-- transcript), in SQL both engines share; documents_fts is SQLite's index
-- of it (FTS5, external content). PostgreSQL indexes the same table with
-- its own full-text search.
--
-- The tokenizer: unicode61 folds case and accents (remove_diacritics 2:
-- "José" is found by "jose"), and keeps '-' and '_' inside tokens, so
-- that an invoice number (INV-2024-0042), a reference (order_77) or a
-- hyphenated name (Jean-Luc) is one token, matched whole. Tokens are whole
-- words: 2041 never finds 20417, as a trigram index would.

CREATE TABLE documents (
    doc_id          INTEGER PRIMARY KEY,
    workspace_id    TEXT NOT NULL,
    kind            TEXT NOT NULL, -- text | voicemail | summary | transcript
    ref_id          TEXT NOT NULL, -- the message's or the call's ID
    conversation_id TEXT NOT NULL,
    line_id         TEXT NOT NULL,
    direction       TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    body            TEXT NOT NULL,
    UNIQUE (workspace_id, kind, ref_id)
);
CREATE INDEX documents_by_conversation ON documents (workspace_id, conversation_id);

CREATE VIRTUAL TABLE documents_fts USING fts5(
    body,
    content = 'documents',
    content_rowid = 'doc_id',
    tokenize = "unicode61 remove_diacritics 2 tokenchars '-_'"
);

CREATE TRIGGER documents_ai AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, body) VALUES (new.doc_id, new.body);
END;
CREATE TRIGGER documents_ad AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, body) VALUES ('delete', old.doc_id, old.body);
END;
CREATE TRIGGER documents_au AFTER UPDATE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, body) VALUES ('delete', old.doc_id, old.body);
    INSERT INTO documents_fts (rowid, body) VALUES (new.doc_id, new.body);
END;
