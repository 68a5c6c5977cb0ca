-- 1-minute rollups, filled by materialized views at insert time.
--
-- Why AggregatingMergeTree with uniqExact states and not SummingMergeTree with count():
-- the sink is at-least-once, so a redelivered batch inserts the same report again, and a
-- materialized view sees every insert. A summed count would count it twice; a uniqExact(id)
-- state holds the set of ids, so merging two states that both contain a report counts it once.
-- The counts read from these rollups are therefore exact under redelivery and replay.
--
-- Read with the -Merge combinator and GROUP BY (rows of one key are merged in the background
-- at some point, never reliably):
--   SELECT minute, uniqExactMerge(reports) FROM report_volume_1m
--   WHERE service_id = 'facebook' AND minute >= ... GROUP BY minute ORDER BY minute
-- A report belongs to exactly one minute, so summing per-minute counts over a range is exact.

-- Reports per service, minute, source, problem and country.
-- ORDER BY (service_id, minute, ...): the curve and breakdown queries filter one service and a
-- range, then group by minute (curve) or by one dimension (breakdowns).
CREATE TABLE IF NOT EXISTS ${DB}.report_volume_1m
(
    service_id String,
    minute     DateTime,
    source     String,
    problem    String,
    country    String,
    reports    AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (service_id, minute, source, problem, country);

CREATE MATERIALIZED VIEW IF NOT EXISTS ${DB}.report_volume_1m_mv TO ${DB}.report_volume_1m
AS SELECT
    service_id,
    toStartOfMinute(at) AS minute,
    source,
    problem,
    country,
    uniqExactState(id) AS reports
FROM ${DB}.reports
GROUP BY service_id, minute, source, problem, country;

-- Signals (reports and posts attributed to a service) per service, minute, kind, outage flag,
-- problem and country. `outage = 1` rows are what says "it is down".
CREATE TABLE IF NOT EXISTS ${DB}.signal_volume_1m
(
    service_id String,
    minute     DateTime,
    kind       String,
    outage     UInt8,
    problem    String,
    country    String,
    signals    AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (service_id, minute, kind, outage, problem, country);

CREATE MATERIALIZED VIEW IF NOT EXISTS ${DB}.signal_volume_1m_mv TO ${DB}.signal_volume_1m
AS SELECT
    service_id,
    toStartOfMinute(at) AS minute,
    kind,
    outage,
    problem,
    country,
    uniqExactState(id) AS signals
FROM ${DB}.signals
GROUP BY service_id, minute, kind, outage, problem, country;

-- Hashtags per minute and service, counted as distinct sources (posts or reports): a post about
-- two services yields two signals with the same hashtags, and uniqExactMerge over both service
-- rows still counts the post once.
-- outage = 1 rows come from signals that say the service is down.
-- ORDER BY (minute, hashtag, ...): hashtag questions are "what was used in this range".
CREATE TABLE IF NOT EXISTS ${DB}.hashtag_volume_1m
(
    minute     DateTime,
    hashtag    String,
    service_id String,
    outage     UInt8,
    sources    AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, hashtag, service_id, outage);

CREATE MATERIALIZED VIEW IF NOT EXISTS ${DB}.hashtag_volume_1m_mv TO ${DB}.hashtag_volume_1m
AS SELECT
    toStartOfMinute(at) AS minute,
    arrayJoin(hashtags) AS hashtag,
    service_id,
    outage,
    uniqExactState(source_id) AS sources
FROM ${DB}.signals
GROUP BY minute, hashtag, service_id, outage;
