-- 0003: a contact's whole record (the API's JSON: names, numbers, emails,
-- custom fields), so that the contact index of every process is read from
-- the store and not from OpenPhone. The contacts read before this holds
-- no record: the next sync reads every contact again.

ALTER TABLE contacts ADD COLUMN record TEXT NOT NULL DEFAULT '';
UPDATE sync_state SET contacts_read_at = NULL;
