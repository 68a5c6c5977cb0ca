-- Official status and probes (issue 13, services/sources): what providers said on their status
-- pages, and what this host's DNS and HTTPS probes saw. Same conventions as 0001 (DateTime in
-- seconds with *_ms beside it, '' for absent strings, ReplacingMergeTree on the id).

-- downradar.status: one row per change a status page published (the page's overall status, a
-- component's status, an incident update, a feed item). History is kept: a later status never
-- replaces an earlier row, it is a row of its own. The id is made from what the provider published,
-- so polling the same page again (or a restart of the poller) collapses to one row.
-- kind = 'page' rows carry the service's overall official status (worst of the page indicator and
-- its components): "what the page said at time T" is the latest page row at or before T.
-- ORDER BY (service_id, at, id): "this service's official history over a time range".
CREATE TABLE IF NOT EXISTS ${DB}.official_status
(
    id              String,
    service_id      String,
    source          String,
    kind            String,
    status          String,
    provider_status String,
    at              DateTime,
    at_ms           UInt64,
    observed_at     DateTime,
    observed_at_ms  UInt64,
    incident_id     String,
    incident_status String,
    component_id    String,
    component_name  String,
    title           String,
    body            String,
    url             String
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (service_id, at, id);

-- downradar.probes: one row per DNS or HTTPS probe of one domain of a service, from one vantage
-- point (this host). Timings a probe did not reach are NULL (a DNS failure has no TLS time),
-- which is not the same as 0 ms. http_status is 0 when no status line came back.
-- ORDER BY (service_id, at, id): per service and time range, like everything the dashboard draws.
CREATE TABLE IF NOT EXISTS ${DB}.probe_results
(
    id            String,
    service_id    String,
    kind          String,
    target        String,
    at            DateTime,
    at_ms         UInt64,
    ok            UInt8,
    outcome       String,
    latency_ms    Float64,
    dns_ms        Nullable(Float64),
    connect_ms    Nullable(Float64),
    tls_ms        Nullable(Float64),
    first_byte_ms Nullable(Float64),
    http_status   UInt16,
    address       String,
    error         String,
    vantage       String
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (service_id, at, id);

-- Probes per service and minute: how many ran, how many failed, the median latency of the ones
-- that answered. A probe row is never re-sent with other values, so a plain view over FINAL is exact.
CREATE VIEW IF NOT EXISTS ${DB}.probe_minutes
AS SELECT
    service_id,
    toStartOfMinute(at) AS minute,
    kind,
    count() AS probes,
    countIf(ok = 0) AS failed,
    groupUniqArrayIf(outcome, ok = 0) AS failures,
    quantileIf(0.5)(latency_ms, ok = 1) AS median_latency_ms
FROM ${DB}.probe_results FINAL
GROUP BY service_id, minute, kind;

-- When each provider acknowledged each incident downradar detected: the first official row of a
-- primary service of the incident that is not 'operational' (an incident update, a component
-- leaving operational, a feed item), from an hour before the incident's first unusual window to
-- a day after it. detected_at is the event time at which the incident was opened (the window end
-- of incident_detection.opened_at); ack_after_detection_s is negative when the provider spoke first.
CREATE VIEW IF NOT EXISTS ${DB}.incident_acknowledgement
AS SELECT
    incident_id,
    service_id,
    detected_at,
    min(official_at) AS acknowledged_at,
    toInt64(acknowledged_at) - toInt64(detected_at) AS ack_after_detection_s,
    argMin(official_title, official_at) AS first_official_title,
    argMin(official_url, official_at) AS first_official_url
FROM
(
    SELECT incident_id, started_at, opened_at AS detected_at, service_id
    FROM ${DB}.incident_detection
    ARRAY JOIN primary_services AS service_id
) AS detections
ALL INNER JOIN
(
    SELECT service_id, at AS official_at, title AS official_title, url AS official_url
    FROM ${DB}.official_status FINAL
    WHERE status != 'operational'
) AS statements USING service_id
WHERE official_at >= started_at - 3600 AND official_at <= started_at + 86400
GROUP BY incident_id, service_id, detected_at;
