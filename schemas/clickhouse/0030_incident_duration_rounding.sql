-- incidents_with_duration again, with duration_min rounded the same way on every server.
--
-- 0004 wrote round(duration_s / 60, 1). round() breaks exact ties differently: ClickHouse 18.16
-- rounds half away from zero, current releases (since 20.x) round floats half to even, so an
-- incident of 87 s showed 1.5 minutes on 18.16 and 1.4 on 26.9. floor(duration_s / 6 + 0.5) / 10
-- is tenths of a minute rounded half up, computed from an exact fraction: the same on both.
-- Everything else is as in 0004. (A view holds no data: dropping and creating it loses nothing.)
DROP TABLE IF EXISTS ${DB}.incidents_with_duration;

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
    floor(duration_s / 6 + 0.5) / 10 AS duration_min,
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
