package dev.snapshotsidecar.config;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The whole configuration, parsed and validated by {@link ConfigLoader}. Immutable; every value is typed and every
 * default already applied.
 *
 * @param shutdownGracePeriod how long {@code run} waits for a requested stop to complete before it gives up
 * @param effective the effective configuration as {@code key = value} lines with secrets masked, for the start-up log
 */
public record SidecarConfig(Kafka kafka, Topics topics, Database database, List<AggregateType> aggregateTypes,
                            Ingest ingest, Tracker tracker, Reconcile reconcile, Worker worker, Http http,
                            Duration shutdownGracePeriod, LogFormat logFormat, Optional<Path> pluginDirectory,
                            List<String> effective) {

    public SidecarConfig {
        aggregateTypes = List.copyOf(aggregateTypes);
        effective = List.copyOf(effective);
    }

    /** How the sidecar reaches Kafka. {@code properties} are client properties passed through unchanged. */
    public record Kafka(String bootstrapServers, String applicationId, ProcessingGuarantee processingGuarantee,
                        Path stateDir, int replicationFactor, Map<String, String> properties) {
        public Kafka {
            properties = Map.copyOf(properties);
        }
    }

    /** Topic names; {@code partitions} applies to the topics the sidecar creates. */
    public record Topics(List<String> source, String requests, String results, String deadLetters, String commands,
                         int partitions) {
        public Topics {
            source = List.copyOf(source);
        }
    }

    /**
     * The event store and the mapping of its events table; {@link #toString()} masks the passwords in the URL.
     *
     * @param firstVersion the version of a stream's first event (0 by default)
     * @param checkCapture whether a problem with change data capture found at start-up fails the start (SQL Server)
     */
    public record Database(Dialect dialect, Connection connection, Tables tables, Columns columns, long firstVersion,
                           Pool pool, boolean checkCapture) {
        @Override
        public String toString() {
            return "Database[" + dialect.configName() + " " + Masking.jdbcUrl(connection.jdbcUrl()) + " as "
                    + connection.user() + "]";
        }
    }

    /** How the sidecar logs in to the event store; {@link #toString()} masks the URL's passwords, omits the password. */
    public record Connection(String jdbcUrl, String user, Optional<String> password) {
        @Override
        public String toString() {
            return "Connection[" + Masking.jdbcUrl(jdbcUrl) + " as " + user + "]";
        }
    }

    /** Where the tables are: their schema, the service's events table and the sidecar's snapshots table. */
    public record Tables(String schema, String events, String snapshots) {
    }

    /**
     * The builders' connection pool: connections in it, rows fetched per round trip when reading events, and how
     * long one round trip may take before the connection is taken as lost.
     */
    public record Pool(int size, int fetchSize, Duration statementTimeout) {
    }

    /** Column names of the events table. */
    public record Columns(String globalPosition, String streamId, String streamVersion, String eventType,
                          String eventData, String metadata, String createdAt, Optional<String> aggregateType) {
    }

    /**
     * One aggregate type: how its streams are recognised (a pattern on the stream id, or a value of the type
     * column), how its state is folded, when a snapshot is due, how many are kept and how large one may be.
     */
    public record AggregateType(String name, Optional<Pattern> streamIdPattern, Optional<String> typeColumnValue,
                                FoldDefinition fold, Policy policy, int keepSnapshots, long maxSnapshotBytes) {

        /** A type folded by a Java aggregator, due every n events, keeping 3 snapshots of at most 16 MiB: the defaults. */
        public AggregateType(String name, Optional<Pattern> streamIdPattern, Optional<String> typeColumnValue,
                             String aggregator, int everyNEvents) {
            this(name, streamIdPattern, typeColumnValue, new FoldDefinition.Java(aggregator), Policy.everyN(everyNEvents),
                    3, 16L << 20);
        }

        /** A type folded by a Java aggregator, with the given policy and limits. */
        public AggregateType(String name, Optional<Pattern> streamIdPattern, Optional<String> typeColumnValue,
                             String aggregator, Policy policy, int keepSnapshots, long maxSnapshotBytes) {
            this(name, streamIdPattern, typeColumnValue, new FoldDefinition.Java(aggregator), policy, keepSnapshots,
                    maxSnapshotBytes);
        }

        public int everyNEvents() {
            return policy.thresholds().everyNEvents();
        }
    }

    /**
     * When a type's streams are due: by event counts, in a scheduled sweep, by timing (idle for long enough, held back
     * by a minimum interval), by what the tail holds (an event of a resting type, a replay too costly); or never,
     * though its streams are still tracked.
     */
    public record Policy(Thresholds thresholds, Schedule schedule, Timing timing, Tail tail, boolean never) {
        /** A policy with no rule on the tail's content. */
        public Policy(Thresholds thresholds, Schedule schedule, Timing timing, boolean never) {
            this(thresholds, schedule, timing, Tail.NONE, never);
        }

        /** Due every {@code n} events, nothing else: the defaults apart from the threshold. */
        public static Policy everyN(int n) {
            return new Policy(new Thresholds(n, false),
                    new Schedule(Optional.empty(), Optional.empty(), ZoneOffset.UTC, 1),
                    new Timing(Optional.empty(), Optional.empty()), false);
        }
    }

    /** Event counts that make a stream due: every {@code everyNEvents} events (0: off), or on every save. */
    public record Thresholds(int everyNEvents, boolean onEverySave) {
    }

    /**
     * A scheduled sweep of a type's streams, at an {@code interval} or once a day in a {@code window} (local to
     * {@code timeZone}), requesting snapshots for streams with at least {@code minEvents} since their last; no sweep
     * when neither is set.
     */
    public record Schedule(Optional<Duration> interval, Optional<DailyWindow> window, ZoneId timeZone,
                           int minEvents) {
    }

    /**
     * Time-based rules: a stream with events since its last snapshot and none for {@code idleAfter} is due; no
     * snapshot of a stream sooner than {@code minInterval} after its last, whatever rule makes it due.
     */
    public record Timing(Optional<Duration> idleAfter, Optional<Duration> minInterval) {
    }

    /**
     * Rules on what the events after the latest snapshot hold: a stream is due at once after an event of one of
     * {@code afterEventTypes} (a resting state, the one most likely to be read for years), or once replaying its tail
     * would take longer than {@code replayCostAbove}, at the fold speed measured on the type's builds
     * ({@code priorMicrosPerEvent} before any build measured it).
     */
    public record Tail(Set<String> afterEventTypes, Optional<Duration> replayCostAbove, long priorMicrosPerEvent) {
        /** The default prior, in µs an event: a JVM fold of JSON events of a few hundred bytes, read over a local
         * network, costs a few to a few tens. */
        public static final long DEFAULT_PRIOR_MICROS_PER_EVENT = 20;
        public static final Tail NONE = new Tail(Set.of(), Optional.empty(), DEFAULT_PRIOR_MICROS_PER_EVENT);

        public Tail {
            afterEventTypes = Set.copyOf(afterEventTypes);
        }
    }

    /** How change events are read. */
    public record Ingest(TimestampUnit timestampUnit) {
    }

    /** The HTTP server: port (-1 off, 0 any), the host other instances reach it at, the admin token. */
    public record Http(int port, String advertisedHost, Optional<String> adminToken, boolean readsOpen) {
        @Override
        public String toString() {
            return "Http[" + port + ", " + advertisedHost + ", token " + (adminToken.isPresent() ? "set" : "none") + "]";
        }
    }

    /** The tracker's timings and batches, and whether deleted events erase their stream's snapshots. */
    public record Tracker(Duration requestTimeout, Duration failureBackoff, Duration scanInterval, int scanBatch,
                          int rebuildBatch, boolean erasureEnabled, Partitioning partitioning) {
    }

    /**
     * The reconcile pass: whether it runs on a schedule and how often, how fast it reads the events table and in what
     * pages, and how young a stream's last event may be before it is left to change data capture.
     */
    public record Reconcile(boolean enabled, Duration interval, int streamsPerSecond, int pageSize, Duration grace) {
    }

    /**
     * The builder's concurrency, rate limit, retry timings, when a running build is taken as hung, and how often it
     * reports the fold speeds measured.
     */
    public record Worker(int concurrency, int maxBuildsPerSecond, Duration retryInitialBackoff,
                         Duration retryGiveUpAfter, Duration stuckBuildTimeout, Duration foldReportInterval) {
    }

    /**
     * How a type's state is computed: exactly one kind per type. Each kind's own settings; {@link #toString()} never
     * shows a secret.
     */
    public sealed interface FoldDefinition {
        /** The kind's name as configuration and reports write it: java, http or jsonata. */
        String kind();

        /** A Java {@code Aggregator} plugin, by name ({@code aggregator}). */
        record Java(String aggregator) implements FoldDefinition {
            @Override
            public String kind() {
                return "java";
            }
        }

        /**
         * The service's own fold over HTTP ({@code fold.http.*}). Types with the same {@code url} share one endpoint:
         * one client, one circuit breaker, one concurrency limit; their settings must then agree.
         *
         * @param url              the base URL; the sidecar calls {@code <url>/fold} and {@code <url>/describe}
         * @param describeInterval how often the describe call is repeated to notice a new schema version
         */
        record Http(java.net.URI url, HttpTimeouts timeouts, HttpChunks chunks, HttpLimits limits, HttpRetry retry,
                    Duration describeInterval, HttpAuth auth, HttpVersion version) implements FoldDefinition {
            @Override
            public String kind() {
                return "http";
            }

            /** The settings of the endpoint itself, which types sharing its URL must agree on. */
            public Http endpoint() {
                return new Http(url, timeouts, new HttpChunks(0, 0), limits, retry, describeInterval, auth, version);
            }
        }

        /**
         * A declarative fold ({@code fold.jsonata.*}): the initial state, its schema version and one JSONata
         * expression per event type, compiled once at start-up.
         *
         * @param initialState  the state before the first event, as JSON text
         * @param expressions   event type to its expression
         * @param unknownEvents what an event type without an expression does
         */
        record Jsonata(int schemaVersion, String initialState, Map<String, JsonataExpression> expressions,
                       UnknownEvents unknownEvents) implements FoldDefinition {
            public Jsonata {
                expressions = Map.copyOf(expressions);
            }

            @Override
            public String kind() {
                return "jsonata";
            }
        }
    }

    /** How long one HTTP fold call may take: to connect, and in all (the answer included). */
    public record HttpTimeouts(Duration connect, Duration call) {
    }

    /** How a tail is cut into calls: at most {@code events} events and about {@code bytes} bytes of events per call. */
    public record HttpChunks(int events, long bytes) {
    }

    /**
     * Protection of the service: at most {@code maxConcurrency} calls at once per endpoint; after
     * {@code circuitFailures} transient failures in a row the circuit opens for {@code circuitOpenFor}.
     */
    public record HttpLimits(int maxConcurrency, int circuitFailures, Duration circuitOpenFor) {
    }

    /** Retries of one call after a timeout, a connection error, a 5xx or a 429: first wait, doubling, given up after. */
    public record HttpRetry(Duration initialBackoff, Duration giveUpAfter) {
    }

    /**
     * How the sidecar authenticates to the fold endpoint: a bearer token (from configuration or a file mounted from a
     * secret, read again when it changes) and/or a client certificate (mutual TLS). Never a caller's credential.
     */
    public record HttpAuth(Optional<String> bearerToken, Optional<Path> bearerTokenFile, Optional<HttpTls> tls) {
        @Override
        public String toString() {
            return "HttpAuth[token " + (bearerToken.isPresent() ? "set" : bearerTokenFile.map(p -> "from " + p)
                    .orElse("none")) + ", tls " + tls.map(Object::toString).orElse("none") + "]";
        }
    }

    /** Key and trust material of mutual TLS, PKCS#12 files; {@link #toString()} omits the passwords. */
    public record HttpTls(Optional<Path> keyStore, Optional<String> keyStorePassword, Optional<Path> trustStore,
                          Optional<String> trustStorePassword) {
        @Override
        public String toString() {
            return "HttpTls[key store " + keyStore.map(Path::toString).orElse("none") + ", trust store "
                    + trustStore.map(Path::toString).orElse("the JDK's") + "]";
        }
    }

    /** A JSONata expression: its text and its compiled form (thread-safe, see {@code fold/jsonata}). */
    public record JsonataExpression(String text, com.dashjoin.jsonata.Jsonata compiled) {
        @Override
        public String toString() {
            return text;
        }
    }
}
