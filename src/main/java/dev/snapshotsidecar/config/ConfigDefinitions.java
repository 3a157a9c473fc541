package dev.snapshotsidecar.config;

import dev.snapshotsidecar.config.ConfigKey.Type;

import java.util.List;
import java.util.Optional;

/**
 * Every configuration key, defined once. The configuration reference (docs/configuration.md) is generated from these definitions
 * ({@link #referenceTable()}), and a test keeps the two equal.
 */
public final class ConfigDefinitions {
    /** Prefix of the per-aggregate-type keys; the type's name follows, then one of {@link #TYPE_KEYS}. */
    public static final String TYPE_PREFIX = "aggregate-types.";
    /** Prefix of Kafka client properties passed through unchanged (TLS, SASL, timeouts, ...). */
    public static final String KAFKA_PROPERTIES_PREFIX = "kafka.properties.";

    public static final List<ConfigKey> GLOBAL_KEYS = List.of(
            ConfigKey.of("kafka.bootstrap-servers", Type.STRING, "Kafka bootstrap servers, host:port[,host:port].")
                    .requiredKey(),
            ConfigKey.of("kafka.application-id", Type.STRING,
                    "Kafka Streams application id, one per deployment on a Kafka cluster: it prefixes the tracker's internal topics, names the builder's consumer group (`<id>-builder`) and, unless they are set, the requests, results, dead-letter and commands topics (`<id>-requests`, ...). Defaults to snapshot-sidecar.")
                    .defaultsTo("snapshot-sidecar"),
            ConfigKey.of("kafka.processing-guarantee", Type.ENUM,
                    "Processing guarantee of the tracker. Defaults to exactly_once_v2.")
                    .oneOf(ProcessingGuarantee.class).defaultsTo(ProcessingGuarantee.EXACTLY_ONCE_V2),
            ConfigKey.of("kafka.state-dir", Type.PATH,
                    "Directory of the tracker's RocksDB state. Defaults to ./state.").defaultsTo("./state"),
            ConfigKey.of("kafka.replication-factor", Type.INT,
                    "Replication factor of the topics the sidecar creates and of its internal topics; -1 takes the broker's default. Defaults to -1.")
                    .atLeast(-1).atMost(Short.MAX_VALUE).defaultsTo("-1"),
            ConfigKey.of("topics.source", Type.LIST,
                    "The Debezium topic(s) of the events table, e.g. eventstore.event_store.events.").requiredKey(),
            ConfigKey.of("topics.requests", Type.STRING,
                    "Topic of snapshot requests. Defaults to `<kafka.application-id>-requests`.")
                    .defaultsToValueOf("kafka.application-id", "-requests"),
            ConfigKey.of("topics.results", Type.STRING,
                    "Topic of snapshot results. Defaults to `<kafka.application-id>-results`.")
                    .defaultsToValueOf("kafka.application-id", "-results"),
            ConfigKey.of("topics.dead-letters", Type.STRING,
                    "Topic of change events that could not be parsed, with topic, partition, offset and reason in headers. Defaults to `<kafka.application-id>-dead-letters`.")
                    .defaultsToValueOf("kafka.application-id", "-dead-letters"),
            ConfigKey.of("topics.commands", Type.STRING,
                    "Topic of commands to every tracker task (schema rebuilds). Defaults to `<kafka.application-id>-commands`.")
                    .defaultsToValueOf("kafka.application-id", "-commands"),
            ConfigKey.of("topics.partitions", Type.INT,
                    "Partitions of the requests, results, commands and dead-letter topics when the sidecar creates them, and of the tracker's repartition topic; with tracker.partitioning=source (or auto choosing it), also those the source topics must have, as the connector files create them (topic.creation.default.partitions). Defaults to 6.")
                    .atLeast(1).defaultsTo("6"),
            ConfigKey.of("database.dialect", Type.ENUM, "SQL dialect of the event store. Defaults to postgres.")
                    .oneOf(Dialect.class).defaultsTo(Dialect.POSTGRES),
            ConfigKey.of("database.jdbc-url", Type.JDBC_URL, "JDBC URL of the event store.").requiredKey(),
            ConfigKey.of("database.user", Type.STRING, "Database user.").requiredKey(),
            ConfigKey.of("database.password", Type.STRING, "Database password; masked in logs.").secretKey(),
            ConfigKey.of("database.schema", Type.STRING, "Schema of the events and snapshots tables. Defaults to event_store.")
                    .defaultsTo("event_store"),
            ConfigKey.of("database.events-table", Type.STRING, "Name of the events table. Defaults to events.")
                    .defaultsTo("events"),
            ConfigKey.of("database.snapshots-table", Type.STRING, "Name of the snapshots table. Defaults to snapshots.")
                    .defaultsTo("snapshots"),
            ConfigKey.of("database.columns.global-position", Type.STRING,
                    "Column of the store-wide position. Defaults to global_position.").defaultsTo("global_position"),
            ConfigKey.of("database.columns.stream-id", Type.STRING, "Column of the stream id. Defaults to stream_id.")
                    .defaultsTo("stream_id"),
            ConfigKey.of("database.columns.stream-version", Type.STRING,
                    "Column of the version within the stream. Defaults to stream_version.").defaultsTo("stream_version"),
            ConfigKey.of("database.columns.event-type", Type.STRING, "Column of the event type. Defaults to event_type.")
                    .defaultsTo("event_type"),
            ConfigKey.of("database.columns.event-data", Type.STRING, "Column of the event payload (JSON). Defaults to event_data.")
                    .defaultsTo("event_data"),
            ConfigKey.of("database.columns.metadata", Type.STRING, "Column of the event metadata (JSON). Defaults to metadata.")
                    .defaultsTo("metadata"),
            ConfigKey.of("database.columns.created-at", Type.STRING, "Column of the time the event was written. Defaults to created_at.")
                    .defaultsTo("created_at"),
            ConfigKey.of("database.columns.aggregate-type", Type.STRING,
                    "Column holding the aggregate type, when the table has one; aggregate types are then recognised by `type-column-value`. No default."),
            ConfigKey.of("database.first-version", Type.INT,
                    "Version of a stream's first event. Defaults to 0.").atLeast(0).defaultsTo("0"),
            ConfigKey.of("database.pool-size", Type.INT, "Connections in the builder's pool. Defaults to 4.")
                    .atLeast(1).defaultsTo("4"),
            ConfigKey.of("database.fetch-size", Type.INT,
                    "Rows fetched per round trip when a builder streams events. Defaults to 500.").atLeast(1).defaultsTo("500"),
            ConfigKey.of("database.statement-timeout", Type.DURATION,
                    "A round trip to the database (a batch of events, a write, a delete) that has not answered in this long is abandoned as a lost connection (the driver's socket timeout) and retried like any transient failure; without it, a connection cut without a reset would hold a build forever. Defaults to 2m.")
                    .atLeast(1000).defaultsTo("2m"),
            ConfigKey.of("database.check-capture", Type.BOOLEAN,
                    "SQL Server: at start-up, check that the connection reaches a writable database (not a readable secondary), that change data capture is on for the database and the events table, that the newest capture instance captures the stream id and version columns, and that SQL Server Agent runs; what is wrong is logged with what to fix, and a problem that leaves the sidecar blind or unable to write (CDC off, a column not captured, a read-only copy) fails the start. false: only logged (a login that may not read CDC's metadata, checked by hand). Defaults to true.")
                    .defaultsTo("true"),
            ConfigKey.of("ingest.timestamp-unit", Type.ENUM,
                    "Unit of integer timestamps in change events without schemas (SQL Server datetime2): auto reads it from the magnitude; set it from the connector's time.precision.mode and column precision. Defaults to auto.")
                    .oneOf(TimestampUnit.class).defaultsTo(TimestampUnit.AUTO),
            ConfigKey.of("tracker.partitioning", Type.ENUM,
                    "Where a stream's head lives. auto: the tracker's first start samples the source topics (the first and last records of each partition, waiting for one if they are empty) and takes source when they have topics.partitions partitions and every sampled record is keyed and partitioned as connect/*.json key them, stream-id otherwise, saying why in the log; later starts keep that choice (stream-id while the tracker's repartition topic exists, source otherwise). stream-id: events are re-keyed by the stream id through a repartition topic, so any connector key works and the tracker has topics.partitions tasks whatever the source has. source: heads stay in the source topic's partition, which saves the broker a write and a read per event; the source must be keyed by the stream id alone as connect/*.json do (JSON key, schemas off) and have topics.partitions partitions, and an event found in another partition goes to dead letters. An explicit stream-id or source that contradicts how the application id's tracker already ran fails the start. Defaults to auto.")
                    .oneOf(Partitioning.class).defaultsTo(Partitioning.AUTO),
            ConfigKey.of("tracker.request-timeout", Type.DURATION,
                    "A request with no result after this long is sent again, once the worker has taken and answered everything sent before it (a request still queued is never sent twice). Defaults to 5m.").atLeast(1000).defaultsTo("5m"),
            ConfigKey.of("tracker.failure-backoff", Type.DURATION,
                    "Wait after a failed build or erasure before asking again; doubles per consecutive failure up to 64 times. Defaults to 30s.")
                    .atLeast(1).defaultsTo("30s"),
            ConfigKey.of("tracker.scan-interval", Type.DURATION,
                    "How often the tracker walks its store for timed-out requests and retries due. Defaults to 10s.")
                    .atLeast(100).defaultsTo("10s"),
            ConfigKey.of("tracker.scan-batch", Type.INT,
                    "Stream heads visited per scan, so a scan never holds the stream thread for long. Defaults to 1000.")
                    .atLeast(1).defaultsTo("1000"),
            ConfigKey.of("tracker.rebuild-batch", Type.INT,
                    "Rebuild requests a tracker task sends per scan, longest streams first. Defaults to 100.")
                    .atLeast(1).defaultsTo("100"),
            ConfigKey.of("erasure.enabled", Type.BOOLEAN,
                    "Erase a stream's snapshots when its events are deleted (Debezium deletes and tombstones): asked again until the database confirms that no event of the stream remains, or says events remain (archiving, which keeps the snapshots). Defaults to true.")
                    .defaultsTo("true"),
            ConfigKey.of("reconcile.enabled", Type.BOOLEAN,
                    "Run a reconcile pass every reconcile.interval: the events table's last version of each stream is compared with the tracker's head, and heads change data capture left behind (CDC retention while a connector was down, a reset offset, topic retention) are raised, so due streams get their snapshots. The reconcile command asks for a pass whatever this says. Defaults to true.")
                    .defaultsTo("true"),
            ConfigKey.of("reconcile.interval", Type.DURATION,
                    "Time between the starts of two scheduled reconcile passes; the first runs this long after start-up. Defaults to 24h.")
                    .atLeast(60_000).defaultsTo("24h"),
            ConfigKey.of("reconcile.streams-per-second", Type.INT,
                    "Streams a reconcile pass compares per second at most, per instance: its reads of the events table are paced by it. Defaults to 1000.")
                    .atLeast(1).defaultsTo("1000"),
            ConfigKey.of("reconcile.page-size", Type.INT,
                    "Streams a reconcile pass reads per query (one keyset page of the events table). Defaults to 1000.")
                    .atLeast(1).atMost(10_000).defaultsTo("1000"),
            ConfigKey.of("reconcile.grace", Type.DURATION,
                    "A stream whose last event is younger than this is left to change data capture, whose events may be on their way. Defaults to 5m.")
                    .atLeast(0).defaultsTo("5m"),
            ConfigKey.of("worker.concurrency", Type.INT,
                    "Snapshots built at once by one instance: the cap on builds in flight. Defaults to 4.")
                    .atLeast(1).defaultsTo("4"),
            ConfigKey.of("worker.max-builds-per-second", Type.INT,
                    "Builds (and erasures) one instance starts per second at most (token bucket), so a storm of due streams never floods the database. Defaults to 100.")
                    .atLeast(1).defaultsTo("100"),
            ConfigKey.of("worker.retry-initial-backoff", Type.DURATION,
                    "First wait before retrying a build after a transient database error; doubles up to 30s. Defaults to 200ms.")
                    .atLeast(1).defaultsTo("200ms"),
            ConfigKey.of("worker.retry-give-up-after", Type.DURATION,
                    "A build still failing on transient database errors after this long reports FAILED; the tracker asks again later. Defaults to 5m.")
                    .atLeast(1).defaultsTo("5m"),
            ConfigKey.of("worker.stuck-build-timeout", Type.DURATION,
                    "A build still running after this long is taken as hung (a fold that never returns): the worker reports itself not live, so the platform restarts the process, and the request is read again. Must exceed worker.retry-give-up-after. Defaults to 15m.")
                    .atLeast(1000).defaultsTo("15m"),
            ConfigKey.of("worker.fold-report-interval", Type.DURATION,
                    "How often the worker tells every tracker task what its builds measured of each type's fold speed (events, bytes, time), which the replay-cost rule and the estimates in /aggregate-types and the metrics rest on. Defaults to 30s.")
                    .atLeast(1000).defaultsTo("30s"),
            ConfigKey.of("http.port", Type.INT,
                    "Port of the health, metrics and admin HTTP server; 0 picks a free one, -1 turns it off. Defaults to 8080.")
                    .atLeast(-1).atMost(65_535).defaultsTo("8080"),
            ConfigKey.of("http.advertised-host", Type.STRING,
                    "Host other instances reach this one at (Kafka Streams application.server), e.g. the pod IP. Defaults to localhost.")
                    .defaultsTo("localhost"),
            ConfigKey.of("http.admin-token", Type.STRING,
                    "Bearer token the admin endpoints require (writes always, reads unless http.reads-open); without one they are off. Instances authenticate their forwards with a signature keyed by it, never by passing a caller's token on. No default.").secretKey(),
            ConfigKey.of("http.reads-open", Type.BOOLEAN,
                    "Whether the read endpoints (/streams, /aggregate-types), which show per-stream times, answer without the token: open them on purpose only. Probes and /metrics are always open. Defaults to false.")
                    .defaultsTo("false"),
            ConfigKey.of("shutdown.grace-period", Type.DURATION,
                    "How long `run` waits after SIGTERM or SIGINT for the sidecar to stop (builds in flight finish, the tracker commits); a stop that completes exits 0, one that takes longer is logged and exits 1. Keep it under the supervisor's own limit (Kubernetes: terminationGracePeriodSeconds, 30s by default). Defaults to 25s.")
                    .atLeast(1).defaultsTo("25s"),
            ConfigKey.of("log.format", Type.ENUM, "Log format: text, or json (one object a line, for clusters). Defaults to text.")
                    .oneOf(LogFormat.class).defaultsTo(LogFormat.TEXT),
            ConfigKey.of("plugins.directory", Type.PATH,
                    "Directory of jars with more aggregators (ServiceLoader). No default: built-in aggregators only."));

    public static final List<ConfigKey> TYPE_KEYS = List.of(
            ConfigKey.of("stream-id-pattern", Type.REGEX,
                    "Regular expression a stream id of this type matches in full, e.g. `prescription-.+`."),
            ConfigKey.of("type-column-value", Type.STRING,
                    "Value of `database.columns.aggregate-type` for this type (instead of a pattern)."),
            ConfigKey.of("aggregator", Type.STRING,
                    "Name of the Java aggregator that folds this type, e.g. clinical.patient (built in, or from plugins.directory). Set exactly one of aggregator, fold.http.url and fold.jsonata.events.*: see docs/folds.md. No default."),
            ConfigKey.of("fold.http.url", Type.URL,
                    "Base URL of the service's own fold (protocol v1, docs/fold-protocol/): the sidecar POSTs to `<url>/fold` and GETs `<url>/describe`. Types with the same URL share one endpoint (client, circuit breaker, concurrency limit) and must agree on its settings. No default."),
            ConfigKey.of("fold.http.chunk-events", Type.INT,
                    "Most events sent in one fold call; a longer tail takes several calls, each starting from the state the previous one returned. Defaults to 500.")
                    .atLeast(1).atMost(100_000).defaultsTo("500"),
            ConfigKey.of("fold.http.chunk-bytes", Type.LONG,
                    "A fold call is sent once its events' data and metadata reach about this many bytes, even with fewer than chunk-events events. Defaults to 1048576.")
                    .atLeast(1024).defaultsTo("1048576"),
            ConfigKey.of("fold.http.call-timeout", Type.DURATION,
                    "A fold or describe call without a complete answer after this long is a timeout (transient: retried). Defaults to 10s.")
                    .atLeast(1).defaultsTo("10s"),
            ConfigKey.of("fold.http.connect-timeout", Type.DURATION,
                    "Connecting to the endpoint takes at most this long (transient: retried). Defaults to 2s.")
                    .atLeast(1).defaultsTo("2s"),
            ConfigKey.of("fold.http.max-concurrency", Type.INT,
                    "Fold calls in flight to this endpoint at once, across all build threads; more wait for a slot. Defaults to 4.")
                    .atLeast(1).defaultsTo("4"),
            ConfigKey.of("fold.http.retry-initial-backoff", Type.DURATION,
                    "First wait before retrying a call after a timeout, a connection error, a 5xx or a 429 without Retry-After; doubles up to 30s. Defaults to 200ms.")
                    .atLeast(1).defaultsTo("200ms"),
            ConfigKey.of("fold.http.retry-give-up-after", Type.DURATION,
                    "A call still failing transiently after this long (or asked by Retry-After to wait past it) ends the build FAILED; the tracker asks again after tracker.failure-backoff. Defaults to 30s.")
                    .atLeast(1).defaultsTo("30s"),
            ConfigKey.of("fold.http.circuit-failures", Type.INT,
                    "Transient failures in a row (timeouts, connection errors, 5xx) after which the endpoint's circuit opens: calls fail at once, without reaching the service. Defaults to 5.")
                    .atLeast(1).defaultsTo("5"),
            ConfigKey.of("fold.http.circuit-open-for", Type.DURATION,
                    "How long an open circuit stays open before one trial call may close it again. Defaults to 30s.")
                    .atLeast(1).defaultsTo("30s"),
            ConfigKey.of("fold.http.describe-interval", Type.DURATION,
                    "How often the describe call is repeated; when it reports a new schema version for a type, the sidecar starts that type's prioritised rebuild. Defaults to 1m.")
                    .atLeast(1000).defaultsTo("1m"),
            ConfigKey.of("fold.http.version", Type.ENUM,
                    "HTTP version asked for: http-2 uses HTTP/2 where the server offers it over TLS (ALPN), HTTP/1.1 otherwise. Defaults to http-1.1.")
                    .oneOf(HttpVersion.class).defaultsTo(HttpVersion.HTTP_1_1),
            ConfigKey.of("fold.http.bearer-token", Type.STRING,
                    "Bearer token sent as `Authorization: Bearer` on every call; set it from a secret (environment variable). Masked in logs. Refused over plain http:// to a host other than the loopback. No default.")
                    .secretKey(),
            ConfigKey.of("fold.http.bearer-token-file", Type.PATH,
                    "File holding the bearer token (a mounted secret), read again when it changes; instead of bearer-token. No default."),
            ConfigKey.of("fold.http.tls.key-store", Type.PATH,
                    "PKCS#12 file with the client certificate and key for mutual TLS (https:// only). No default."),
            ConfigKey.of("fold.http.tls.key-store-password", Type.STRING,
                    "Password of tls.key-store; masked in logs. No default.").secretKey(),
            ConfigKey.of("fold.http.tls.trust-store", Type.PATH,
                    "PKCS#12 file with the certificates that may sign the endpoint's certificate. No default: the JDK's trusted authorities."),
            ConfigKey.of("fold.http.tls.trust-store-password", Type.STRING,
                    "Password of tls.trust-store; masked in logs. No default.").secretKey(),
            ConfigKey.of("fold.jsonata.events.*", Type.JSONATA,
                    "The JSONata expression for one event type (the key's last part, e.g. fold.jsonata.events.DoseChanged), evaluated with the event's data as input and `$state` and `$event` bound; its value is the new state. Compiled at start-up. No default."),
            ConfigKey.of("fold.jsonata.initial-state", Type.JSON,
                    "The state before a stream's first event, as JSON (a YAML mapping is read as one). Defaults to {}.")
                    .defaultsTo("{}"),
            ConfigKey.of("fold.jsonata.schema-version", Type.INT,
                    "Version of the state's JSON form: bump it when the expressions change what they write, then rebuild. Defaults to 1.")
                    .atLeast(1).defaultsTo("1"),
            ConfigKey.of("fold.jsonata.unknown-events", Type.ENUM,
                    "What an event type without an expression does: fail fails the stream's build, naming it; ignore leaves the state as it was. Defaults to fail.")
                    .oneOf(UnknownEvents.class).defaultsTo(UnknownEvents.FAIL),
            ConfigKey.of("every-n-events", Type.INT,
                    "A snapshot is due once this many events follow the latest one; 0 turns the rule off. Defaults to 100.")
                    .atLeast(0).defaultsTo("100"),
            ConfigKey.of("on-every-save", Type.BOOLEAN,
                    "A snapshot is due after every event (aggressive: fastest reads, most writes). Defaults to false.")
                    .defaultsTo("false"),
            ConfigKey.of("schedule.interval", Type.DURATION,
                    "Sweep this type's streams at this interval, requesting snapshots for those with at least schedule.min-events since their last. No default.")
                    .atLeast(1000),
            ConfigKey.of("schedule.window", Type.WINDOW,
                    "Sweep this type's streams once a day within this window, e.g. 02:00-04:00, in schedule.time-zone. No default."),
            ConfigKey.of("schedule.time-zone", Type.ZONE, "Time zone of schedule.window. Defaults to UTC.")
                    .defaultsTo("UTC"),
            ConfigKey.of("schedule.min-events", Type.INT,
                    "Events since the last snapshot a sweep needs to request one. Defaults to 1.").atLeast(1).defaultsTo("1"),
            ConfigKey.of("idle-after", Type.DURATION,
                    "A stream with events since its last snapshot and no new event for this long gets one. No default.")
                    .atLeast(1000),
            ConfigKey.of("min-interval", Type.DURATION,
                    "At least this long between two snapshots of the same stream, whatever rule makes it due. No default.")
                    .atLeast(1),
            ConfigKey.of("snapshot-after-events", Type.LIST,
                    "Event types after which a stream is due at once, e.g. [PatientDischarged, PrescriptionDiscontinued]: a stream that reaches a resting state gets its snapshot right away (held back only by min-interval). The change events must carry the event type column, as connect/*.json send it. No default."),
            ConfigKey.of("replay-cost-above", Type.DURATION,
                    "A stream is due once replaying the events after its latest snapshot would take longer than this, e.g. 50ms: events after the snapshot times the type's fold speed, measured on its builds (replay-cost-prior-micros before any). No default.")
                    .atLeast(1),
            ConfigKey.of("replay-cost-prior-micros", Type.LONG,
                    "Fold speed assumed for this type, in microseconds per event, before any build has measured it; measurements replace it as builds come in. Defaults to 20.")
                    .atLeast(1).atMost(60_000_000).defaultsTo("20"),
            ConfigKey.of("never", Type.BOOLEAN, "Never snapshot this type (its streams are still tracked). Defaults to false.")
                    .defaultsTo("false"),
            ConfigKey.of("keep-snapshots", Type.INT,
                    "Snapshots kept per stream; older ones are pruned after each new one. Defaults to 3.")
                    .atLeast(1).defaultsTo("3"),
            ConfigKey.of("max-snapshot-bytes", Type.LONG,
                    "A snapshot larger than this is not written (TOO_LARGE) and not retried until the stream grows by another threshold. Defaults to 16777216.")
                    .atLeast(1).defaultsTo("16777216"));

    private ConfigDefinitions() {
    }

    public static Optional<ConfigKey> global(String name) {
        return GLOBAL_KEYS.stream().filter(k -> k.name().equals(name)).findFirst();
    }

    /** The definition of a per-type key; a family (ending {@code .*}) matches every key it covers. */
    public static Optional<ConfigKey> typeKey(String suffix) {
        return TYPE_KEYS.stream().filter(k -> k.matches(suffix)).findFirst();
    }

    /** The configuration reference as a Markdown table, as it appears in docs/configuration.md. */
    public static String referenceTable() {
        StringBuilder out = new StringBuilder();
        out.append("| key | environment variable | default | description |\n");
        out.append("|---|---|---|---|\n");
        for (ConfigKey key : GLOBAL_KEYS) {
            row(out, key.name(), key.environmentVariable(), key);
        }
        out.append("| `kafka.properties.*` | `SIDECAR_KAFKA_PROPERTIES_*` | | Any Kafka client property, passed through (`_` in the variable becomes `.`); values are masked in logs when a word of the key contains password, passphrase, secret or jaas, or is token, credential(s) or key (`ssl.key.password`, `ssl.keystore.key`, `sasl.jaas.config`, `sasl.oauthbearer.client.credentials.client.secret`); certificates and store locations stay visible. |\n");
        for (ConfigKey key : TYPE_KEYS) {
            String suffix = key.name().endsWith(".*")
                    ? key.name().substring(0, key.name().length() - 1) + "<event-type>" : key.name();
            String name = TYPE_PREFIX + "<type>." + suffix;
            String env = ConfigKey.environmentVariable(TYPE_PREFIX + "<TYPE>." + suffix.replace("<event-type>", "<EVENT_TYPE>"));
            row(out, name, env, key);
        }
        return out.toString();
    }

    private static void row(StringBuilder out, String name, String env, ConfigKey key) {
        out.append("| `").append(name).append("` | `").append(env).append("` | ")
                .append(key.required() ? "required" : key.defaultValue().map(v -> "`" + v.describe() + "`").orElse(""))
                .append(" | ").append(key.doc()).append(' ').append(capitalise(key.rule())).append(". |\n");
    }

    private static String capitalise(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
