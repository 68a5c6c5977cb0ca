-- Views for SQL users (the `analyst` account): plain numbers, no aggregate states, no FINAL to
-- remember. Every view keeps its time column, so a question picks its range with WHERE:
--   SELECT bucket, reports FROM report_volume_per_15m
--   WHERE service_id = 'facebook' AND bucket >= '2021-10-04 00:00:00' AND bucket < '2021-10-05 00:00:00'
-- On 18.16 a view is a subquery and the WHERE is applied after it, unless the query adds
-- SETTINGS enable_optimize_predicate_expression = 1 (allowed for analyst): with it the filter is
-- pushed into the view and only the requested service and range are read. For long ranges over
-- a large store, add it (docs/sql-cookbook.md does).

-- Reports per service and minute (distinct report ids: exact under redelivery).
CREATE VIEW IF NOT EXISTS ${DB}.report_volume_per_minute
AS SELECT
    service_id,
    minute,
    uniqExactMerge(reports) AS reports
FROM ${DB}.report_volume_1m
GROUP BY service_id, minute;

-- Reports per service and 15 minutes (the dashboard's default step and Downdetector's bucket).
CREATE VIEW IF NOT EXISTS ${DB}.report_volume_per_15m
AS SELECT
    service_id,
    toStartOfFifteenMinutes(minute) AS bucket,
    uniqExactMerge(reports) AS reports
FROM ${DB}.report_volume_1m
GROUP BY service_id, bucket;

-- Reports per service, minute and problem category: sum(reports) over a range and divide by the
-- total for the "what people report" breakdown in %.
CREATE VIEW IF NOT EXISTS ${DB}.report_problems
AS SELECT
    service_id,
    minute,
    problem,
    uniqExactMerge(reports) AS reports
FROM ${DB}.report_volume_1m
GROUP BY service_id, minute, problem;

-- Reports per service, minute and country ('' = unknown).
CREATE VIEW IF NOT EXISTS ${DB}.report_countries
AS SELECT
    service_id,
    minute,
    country,
    uniqExactMerge(reports) AS reports
FROM ${DB}.report_volume_1m
GROUP BY service_id, minute, country;

-- Reports per service, minute and source (web, api, replay, ...).
CREATE VIEW IF NOT EXISTS ${DB}.report_sources
AS SELECT
    service_id,
    minute,
    source,
    uniqExactMerge(reports) AS reports
FROM ${DB}.report_volume_1m
GROUP BY service_id, minute, source;

-- Outage signals (reports and posts that say "it is down") per service, minute and kind.
CREATE VIEW IF NOT EXISTS ${DB}.outage_signals_per_minute
AS SELECT
    service_id,
    minute,
    kind,
    uniqExactMerge(signals) AS signals
FROM ${DB}.signal_volume_1m
WHERE outage = 1
GROUP BY service_id, minute, kind;

-- Hashtag use per minute, all services together (distinct posts/reports carrying the hashtag).
CREATE VIEW IF NOT EXISTS ${DB}.hashtag_volume_per_minute
AS SELECT
    minute,
    hashtag,
    uniqExactMerge(sources) AS uses,
    uniqExactMergeIf(sources, outage = 1) AS outage_uses
FROM ${DB}.hashtag_volume_1m
GROUP BY minute, hashtag;

-- Hashtag trend windows from the detector, one row per hashtag and window (deduplicated).
CREATE VIEW IF NOT EXISTS ${DB}.hashtag_trends
AS SELECT
    hashtag,
    window_start,
    window_end,
    count,
    expected,
    burst,
    trending,
    service_id,
    outage
FROM ${DB}.trends FINAL;

-- Incidents, one row each, with their duration. An open incident's duration runs to now().
-- primary_services / collateral_services split the services by their role in the incident.
-- detection_delay_s: from the first unusual window to the moment the detector emitted "opened"
-- is in incident_detection (below), because it needs the opened event, not the latest one.
CREATE VIEW IF NOT EXISTS ${DB}.incidents_with_duration
AS SELECT
    incident_id,
    status,
    level,
    started_at,
    resolved_at,
    last_event_at,
    if(isNull(resolved_at), now(), assumeNotNull(resolved_at)) AS ended_at,
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

-- When each incident was opened, relative to the first unusual window and to the first report:
--   detection_delay_s = emitted_at of the "opened" event - started_at (first unusual window start)
CREATE VIEW IF NOT EXISTS ${DB}.incident_detection
AS SELECT
    incident_id,
    started_at,
    emitted_at AS opened_emitted_at,
    at AS opened_at,
    toInt64(emitted_at) - toInt64(started_at) AS detection_delay_s,
    level AS opened_level,
    arrayFilter((s, r) -> r = 'primary', service_ids, service_roles) AS primary_services
FROM ${DB}.incident_events FINAL
WHERE type = 'opened';
