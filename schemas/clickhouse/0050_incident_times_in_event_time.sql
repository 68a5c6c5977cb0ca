-- Incident figures in event time, so that a replay of the past gives the same figures as the
-- live system did (0004 measured them against processing time).
--
-- A replay of 4 October 2021 run in 2026 emitted its events in 2026: detection_delay_s was
-- emitted_at (2026) - started_at (2021) = 163,152,608 s, and an incident still open in the
-- replayed data "lasted" until now(). Both now use the detector's own clock:
--  * detection_delay_s = at of the "opened" event - started_at. `at` is the end of the window whose
--    close opened the incident: the detector closes a window when its watermark passes the
--    window's end, so `at` is the watermark (to the window) at the moment the level was reached,
--    and started_at is the start of the first unusual window. Live, the alert follows by the
--    allowed lateness (15 s by default) and the pipeline's processing time, which the detector
--    measures as its alert latency (metrics), not here.
--  * an open incident runs to the detector's event-time clock: the end of the newest window it
--    has scored (never before the incident's last event). Live that is about a minute ago.
-- The views keep their names and columns (opened_emitted_at stays: when the event was emitted).
-- DROP TABLE, not DROP VIEW: 18.16 knows no DROP VIEW (a view is a table there), current releases
-- take DROP TABLE for a view too.

DROP TABLE IF EXISTS ${DB}.incident_detection;

CREATE VIEW IF NOT EXISTS ${DB}.incident_detection
AS SELECT
    incident_id,
    started_at,
    emitted_at AS opened_emitted_at,
    at AS opened_at,
    toInt64(at) - toInt64(started_at) AS detection_delay_s,
    level AS opened_level,
    arrayFilter((s, r) -> r = 'primary', service_ids, service_roles) AS primary_services
FROM ${DB}.incident_events FINAL
WHERE type = 'opened';

DROP TABLE IF EXISTS ${DB}.incidents_with_duration;

CREATE VIEW IF NOT EXISTS ${DB}.incidents_with_duration
AS SELECT
    incident_id,
    status,
    level,
    started_at,
    resolved_at,
    last_event_at,
    if(isNull(resolved_at), greatest(last_event_at, (SELECT max(window_end) FROM ${DB}.scores)), assumeNotNull(resolved_at)) AS ended_at,
    toUInt32(greatest(toInt64(ended_at) - toInt64(started_at), 0)) AS duration_s,
    round(duration_s / 60, 1) AS duration_min,
    family,
    provider,
    arrayFilter((s, r) -> r = 'primary', service_ids, service_roles) AS primary_services,
    arrayFilter((s, r) -> r = 'collateral', service_ids, service_roles) AS collateral_services,
    service_ids,
    service_roles,
    service_levels,
    service_peak_counts,
    seq AS events,
    summary
FROM ${DB}.incidents FINAL;
