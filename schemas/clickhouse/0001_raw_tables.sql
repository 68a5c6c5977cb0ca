-- Raw tables: one row per Kafka message, written by services/sink.
--
-- Conventions (ClickHouse 18.16, valid on current releases):
--  * Times are DateTime (UTC, seconds). Kafka carries epoch milliseconds; the sink floors them to
--    seconds and keeps the exact value in *_ms UInt64 where sub-second order matters.
--  * Optional strings are '' (not NULL): NULLs cannot sit in a sorting key and cost a mask column.
--  * Booleans are UInt8 0/1.
--  * Enum-like values (problem, source, level, kind) are String: they compress to almost nothing,
--    and a category added to schemas/events does not need an ALTER before the sink can write it.
--  * ReplacingMergeTree keyed on the event id wherever a replay or a redelivery (the sink is
--    at-least-once) can insert the same event twice. The id is the last column of the sorting
--    key, so duplicates collapse at merge time; queries that must be exact use FINAL (or count
--    uniqExact(id)). The other key columns of a duplicate are equal, because they come from the
--    same event.
--  * PARTITION BY month of the event time: old months can be dropped with DROP PARTITION (no
--    TTL on 18.16), and a duplicate always falls in the partition of its original.

-- downradar.reports: "I have a problem with X". Reporter ids are salted hashes from ingest; the
-- raw reporter id never reaches Kafka or ClickHouse.
-- ORDER BY (service_id, at, id): every question is "this service, this time range".
CREATE TABLE IF NOT EXISTS ${DB}.reports
(
    id            String,
    service_id    String,
    at            DateTime,
    at_ms         UInt64,
    received_at   DateTime,
    problem       String,
    source        String,
    country       String,
    reporter_hash String,
    text          String
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (service_id, at, id);

-- downradar.posts: social posts as received. Which services a post is about lives in signals
-- (one signal per post and service, source_id = post id).
-- ORDER BY (at, id): posts are read by time range, or joined from signals by id within a range.
CREATE TABLE IF NOT EXISTS ${DB}.posts
(
    id           String,
    at           DateTime,
    at_ms        UInt64,
    received_at  DateTime,
    source       String,
    lang         String,
    country      String,
    author_hash  String,
    reply_to     String,
    repost_of    String,
    text         String
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (at, id);

-- downradar.signals: what the detector counts, one per report and one per (post, service).
-- ORDER BY (service_id, at, id): per service and time range, like reports.
CREATE TABLE IF NOT EXISTS ${DB}.signals
(
    id            String,
    source_id     String,
    service_id    String,
    kind          String,
    at            DateTime,
    at_ms         UInt64,
    received_at   DateTime,
    outage        UInt8,
    problem       String,
    confidence    Float32,
    country       String,
    reporter_hash String,
    hashtags      Array(String),
    evidence      Array(String)
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (service_id, at, id);

-- downradar.scores: one row per service per closed detector window. A re-scored window (detector
-- replay) replaces the older row: version = computed_at_ms, the latest computation wins.
-- The evidence lists are parallel arrays (key i goes with count i): ARRAY JOIN them together.
-- ORDER BY (service_id, window_start): the volume curve reads one service over a range.
CREATE TABLE IF NOT EXISTS ${DB}.scores
(
    service_id              String,
    window_start            DateTime,
    window_end              DateTime,
    window_start_ms         UInt64,
    count                   UInt32,
    raw_count               UInt32,
    expected                Float64,
    upper                   Float64,
    score                   Float64,
    level                   String,
    evidence_problems       Array(String),
    evidence_problem_counts Array(UInt32),
    evidence_countries      Array(String),
    evidence_country_counts Array(UInt32),
    evidence_hashtags       Array(String),
    evidence_hashtag_counts Array(UInt32),
    sample_post_ids         Array(String),
    computed_at             DateTime,
    computed_at_ms          UInt64
)
ENGINE = ReplacingMergeTree(computed_at_ms)
PARTITION BY toYYYYMM(window_start)
ORDER BY (service_id, window_start);

-- downradar.alerts: every incident event (opened, updated, resolved), the incident's timeline.
-- services_* are parallel arrays, one element per service of the incident (services_json keeps
-- the message's list verbatim for the API). first_warning/first_danger are 0 when not reached.
-- PARTITION BY month of started_at (stable for an incident), ORDER BY (incident_id, seq): a
-- timeline is one incident's events in order; event_id = "<incident_id>:<seq>" so the key dedupes.
CREATE TABLE IF NOT EXISTS ${DB}.incident_events
(
    event_id                  String,
    incident_id               String,
    seq                       UInt32,
    type                      String,
    at                        DateTime,
    at_ms                     UInt64,
    emitted_at                DateTime,
    emitted_at_ms             UInt64,
    level                     String,
    started_at                DateTime,
    resolved_at               Nullable(DateTime),
    family                    String,
    provider                  String,
    service_ids               Array(String),
    service_roles             Array(String),
    service_levels            Array(String),
    service_first_warning_at  Array(DateTime),
    service_first_danger_at   Array(DateTime),
    service_peak_scores       Array(Float64),
    service_peak_counts       Array(UInt32),
    services_json             String,
    summary                   String
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(started_at)
ORDER BY (incident_id, seq);

-- downradar.trends: hashtag windows from the detector (count, baseline, burst score).
-- One row per hashtag per window; a replayed window replaces the older row.
-- ORDER BY (window_start, hashtag): trend questions are "what trended in this time range".
CREATE TABLE IF NOT EXISTS ${DB}.trends
(
    hashtag         String,
    window_start    DateTime,
    window_end      DateTime,
    window_start_ms UInt64,
    count           UInt32,
    expected        Float64,
    burst           Float64,
    trending        UInt8,
    service_id      String,
    outage          Nullable(UInt8)
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(window_start)
ORDER BY (window_start, hashtag);

-- downradar.dlq (and messages the sink itself could not read): never dropped silently.
-- The sink names the records it creates "sink:<topic>:<partition>:<offset>", so a redelivered bad
-- message (and the copy the sink reads back from the dlq topic) collapses to one row.
-- ORDER BY (code, at, id): "what fails, how often, since when".
CREATE TABLE IF NOT EXISTS ${DB}.dlq
(
    id          String,
    at          DateTime,
    at_ms       UInt64,
    origin      String,
    code        String,
    reason      String,
    payload     String,
    inserted_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (code, at, id);
