-- The institution interface (internal/his): sign-ins (9001). sign_no travels
-- in later envelopes; the row records who signed in from where.
CREATE TABLE his_signins (
    id             {{ID}},
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    sign_no        TEXT NOT NULL UNIQUE,
    opter_no       TEXT NOT NULL DEFAULT '',
    mac            TEXT NOT NULL DEFAULT '',
    ip             TEXT NOT NULL DEFAULT '',
    sign_time      TEXT NOT NULL                 -- UTC
);
CREATE INDEX his_signins_institution ON his_signins (institution_id, sign_time);
