-- settlements_one_reversal (0008) indexed every settlement's reverses_id,
-- which is NULL for all but reversals. SQLite answered "reverses_id IS
-- NULL" through it (it cannot know that NULL is nearly every row): a
-- person's settlements, the self-service lookup, the reminders and the
-- sampling populations read every unreversed settlement of the county
-- instead of using their own indexes. Over reversals only, the index still
-- allows one reversal per settlement and answers "r.reverses_id = s.id",
-- is never chosen for "IS NULL", and is smaller to write.
DROP INDEX settlements_one_reversal;
CREATE UNIQUE INDEX settlements_one_reversal ON settlements (reverses_id) WHERE reverses_id IS NOT NULL;
