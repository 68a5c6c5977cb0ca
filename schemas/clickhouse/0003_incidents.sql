-- The latest state of every incident, kept by a materialized view over incident_events.
--
-- ReplacingMergeTree(seq) on incident_id: the row with the highest seq wins at merge time, and a
-- redelivered event (same seq) collapses. Read it with FINAL (or argMax(..., seq)) to get exactly
-- one row per incident before the background merge has happened.
-- No partitioning: the table holds one row per incident (small), and every incident must stay in
-- one partition for the replacement to apply.
CREATE TABLE IF NOT EXISTS ${DB}.incidents
(
    incident_id              String,
    seq                      UInt32,
    status                   String,
    last_type                String,
    level                    String,
    started_at               DateTime,
    resolved_at              Nullable(DateTime),
    last_event_at            DateTime,
    last_emitted_at          DateTime,
    family                   String,
    provider                 String,
    service_ids              Array(String),
    service_roles            Array(String),
    service_levels           Array(String),
    service_first_warning_at Array(DateTime),
    service_first_danger_at  Array(DateTime),
    service_peak_scores      Array(Float64),
    service_peak_counts      Array(UInt32),
    services_json            String,
    summary                  String
)
ENGINE = ReplacingMergeTree(seq)
ORDER BY incident_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${DB}.incidents_mv TO ${DB}.incidents
AS SELECT
    incident_id,
    seq,
    if(type = 'resolved', 'resolved', 'open') AS status,
    type AS last_type,
    level,
    started_at,
    resolved_at,
    at AS last_event_at,
    emitted_at AS last_emitted_at,
    family,
    provider,
    service_ids,
    service_roles,
    service_levels,
    service_first_warning_at,
    service_first_danger_at,
    service_peak_scores,
    service_peak_counts,
    services_json,
    summary
FROM ${DB}.incident_events;
