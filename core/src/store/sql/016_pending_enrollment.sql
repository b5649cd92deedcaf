-- Schema version 16: the actor a device presents while it enrolls, kept so that a retried
-- enrollment (its answer lost, the app cancelled it) presents the same one, and the server
-- recognises the device that used the code.
CREATE TABLE pending_enrollment (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    actor TEXT NOT NULL
);
