package dev.snapshotsidecar.track;

import dev.snapshotsidecar.track.policy.TypeRules;
import dev.snapshotsidecar.request.StreamPlacement;
import dev.snapshotsidecar.request.JsonSerde;
import dev.snapshotsidecar.request.MessageSerdes;
import dev.snapshotsidecar.config.Partitioning;
import dev.snapshotsidecar.config.ProcessingGuarantee;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.ingest.ChangeEventParser;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

import java.time.Clock;
import java.util.Map;
import java.util.Properties;

/**
 * Builds the tracker topology; {@code run}, {@code demo} and the tests all build it here.
 *
 * <pre>
 * change-events-source ─▶ parse-change-events ─┬─▶ dead letters ─▶ dead-letters-sink
 *                                               └─▶ key-by-stream-id ─▶ appended-by-stream (repartition)
 *                                                       ─▶ merge-tracker-inputs ◀─┬─ results-source ─▶ decode-results
 *                                                                                  └─ commands-source ─▶ decode-commands
 *                                                       ─▶ track-heads [stream-heads, sweep-state, rebuild-jobs,
 *                                                                       fold-speeds]
 *                                                       ─▶ requests-sink (partition chosen from the stream id)
 * </pre>
 * Results and commands are read as bytes and decoded by a processor that sends what it cannot read to dead letters
 * (results-dead-letters-sink, commands-dead-letters-sink), so a bad record of the sidecar's own topics never halts
 * a task.
 * The repartition re-keys events by the bare stream id so that they meet the results in the task that owns the
 * stream's head; Debezium keys them by a JSON struct. With {@code tracker.partitioning=source} there is none: a head
 * stays in the task of its source partition (the parse step dead-letters an event found elsewhere). Either way each
 * request names its task's partition and the worker writes the result there.
 */
public final class TrackerTopology {
    /** {@code commit.interval.ms} under exactly_once_v2, unless {@code kafka.properties} sets it. */
    static final long COMMIT_INTERVAL_MS = 1000;
    static final JsonSerde<SweepState> SWEEP_SERDE = new JsonSerde<>(SweepState.class);
    static final JsonSerde<RebuildJob> REBUILD_SERDE = new JsonSerde<>(RebuildJob.class);
    static final JsonSerde<FoldSpeed> FOLD_SPEED_SERDE = new JsonSerde<>(FoldSpeed.class);

    private TrackerTopology() {
    }

    /** The topology with the timeout alone deciding when a pending request is asked again (tools and tests). */
    public static Topology build(TrackerSettings settings, ChangeEventParser parser, Clock clock,
                                 TrackerMetrics metrics) {
        return build(settings, parser, clock, metrics, RequestQueue.TIMEOUT_ONLY);
    }

    /** @param queue what the tracker knows of the worker's queue, so a request still queued is never asked again */
    public static Topology build(TrackerSettings settings, ChangeEventParser parser, Clock clock,
                                 TrackerMetrics metrics, RequestQueue queue) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TrackerNames.HEADS_STORE), Serdes.String(), CompactSerde.HEADS)
                .withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TrackerNames.SWEEPS_STORE), Serdes.String(), SWEEP_SERDE));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TrackerNames.REBUILDS_STORE), Serdes.String(), REBUILD_SERDE));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TrackerNames.FOLD_SPEEDS_STORE), Serdes.String(), FOLD_SPEED_SERDE));

        KStream<byte[], byte[]> changeEvents = builder.stream(settings.sourceTopics(),
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(TrackerNames.CHANGE_EVENTS_SOURCE));
        Map<String, KStream<byte[], ParseResult>> routes = changeEvents
                .process(() -> new ParseProcessor(parser, metrics, settings), Named.as(TrackerNames.PARSE))
                .split(Named.as(TrackerNames.ROUTE))
                .branch((key, value) -> value instanceof ParseResult.DeadLetter,
                        Branched.as(TrackerNames.DEAD_LETTERS_BRANCH))
                .defaultBranch(Branched.as(TrackerNames.APPENDED_BRANCH));

        routes.get(TrackerNames.ROUTE + TrackerNames.DEAD_LETTERS_BRANCH)
                .process(DeadLetterProcessor<byte[]>::new, Named.as(TrackerNames.TO_DEAD_LETTER))
                .to(settings.deadLettersTopic(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withName(TrackerNames.DEAD_LETTERS_SINK));

        KStream<String, StreamChange> keyed = routes.get(TrackerNames.ROUTE + TrackerNames.APPENDED_BRANCH)
                .map((key, value) -> {
                    StreamChange change = ((ParseResult.Parsed) value).change();
                    return KeyValue.pair(change.streamId(), change);
                }, Named.as(TrackerNames.KEY_BY_STREAM));
        if (settings.placement().repartitions()) {
            keyed = keyed.repartition(Repartitioned.<String, StreamChange>as(TrackerNames.APPENDED_BY_STREAM)
                    .withKeySerde(Serdes.String()).withValueSerde(CompactSerde.CHANGES)
                    .withNumberOfPartitions(settings.partitions()));
        }
        KStream<String, TrackerInput> changes = keyed.mapValues(change -> (TrackerInput) new TrackerInput.Change(change),
                Named.as(TrackerNames.WRAP_CHANGES));

        KStream<String, TrackerInput> results = decoded(builder, settings, settings.resultsTopic(),
                TrackerNames.RESULTS, () -> new InputDecoder<>("results", MessageSerdes.RESULT, InputDecoder::checkResult,
                        TrackerInput.Result::new, metrics));
        // commands are written to every partition, so each task sees them once, keyed by aggregate type
        KStream<String, TrackerInput> commands = decoded(builder, settings, settings.commandsTopic(),
                TrackerNames.COMMANDS, () -> new InputDecoder<>("commands", MessageSerdes.COMMAND,
                        (key, command) -> java.util.Optional.empty(), TrackerInput.Command::new, metrics));

        changes.merge(results, Named.as(TrackerNames.MERGE_INPUTS))
                .merge(commands, Named.as(TrackerNames.MERGE_INPUTS + "-commands"))
                .process(() -> new HeadTracker(settings, clock, metrics, queue), Named.as(TrackerNames.TRACK_HEADS),
                        TrackerNames.HEADS_STORE, TrackerNames.SWEEPS_STORE, TrackerNames.REBUILDS_STORE,
                        TrackerNames.FOLD_SPEEDS_STORE)
                .to(settings.requestsTopic(), Produced.with(Serdes.String(), MessageSerdes.REQUEST)
                        .withName(TrackerNames.REQUESTS_SINK)
                        .withStreamPartitioner((topic, streamId, request, partitions) -> java.util.Optional.of(
                                java.util.Set.of(StreamPlacement.requestPartition(streamId, settings.partitions())))));
        return builder.build();
    }

    /** One of the sidecar's own topics, read as bytes and decoded; what cannot be read goes to dead letters. */
    private static KStream<String, TrackerInput> decoded(StreamsBuilder builder, TrackerSettings settings, String topic,
                                                         String name,
                                                         org.apache.kafka.streams.processor.api.ProcessorSupplier<
                                                                 byte[], byte[], String, ParseResult> decoder) {
        Map<String, KStream<String, ParseResult>> routes = builder.stream(topic,
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(name + "-source"))
                .process(decoder, Named.as("decode-" + name))
                .split(Named.as(name + "-route-"))
                .branch((key, value) -> value instanceof ParseResult.DeadLetter,
                        Branched.as(TrackerNames.DEAD_LETTERS_BRANCH))
                .defaultBranch(Branched.as(TrackerNames.APPENDED_BRANCH));
        routes.get(name + "-route-" + TrackerNames.DEAD_LETTERS_BRANCH)
                .process(DeadLetterProcessor<String>::new, Named.as(name + "-to-dead-letter-record"))
                .to(settings.deadLettersTopic(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withName(name + "-dead-letters-sink"));
        return routes.get(name + "-route-" + TrackerNames.APPENDED_BRANCH)
                .mapValues(value -> ((ParseResult.Decoded) value).input(), Named.as("wrap-" + name));
    }

    /**
     * The tracker's settings from the configuration, with heads placed as {@code placement} says: the configured
     * {@code tracker.partitioning}, or what {@link PlacementDecision} made of {@code auto}.
     */
    public static TrackerSettings settings(SidecarConfig config, Partitioning placement) {
        Map<String, TypeRules> types = new java.util.HashMap<>();
        config.aggregateTypes().forEach(t -> types.put(t.name(), TypeRules.of(t.policy())));
        SidecarConfig.Topics topics = config.topics();
        SidecarConfig.Tracker tracker = config.tracker();
        return new TrackerSettings(new TrackerSettings.Topics(topics.source(), topics.requests(), topics.results(),
                topics.deadLetters(), topics.commands(), topics.partitions()), types,
                config.database().firstVersion(), new TrackerSettings.Timing(tracker.requestTimeout(),
                tracker.failureBackoff(), tracker.scanInterval(), tracker.scanBatch(), tracker.rebuildBatch()),
                tracker.erasureEnabled(), StreamPlacement.of(placement, config), false);
    }

    /** Kafka Streams properties; client properties from the configuration pass through, ours win but for idling. */
    public static Properties streamsConfig(SidecarConfig config) {
        Properties props = new Properties();
        // Head logic does not depend on the order across a task's input partitions (versions are max-merged, a
        // result is matched to its incarnation and pending version, a first start's announcements end with a marker
        // on their own partition), so a task never waits for an empty partition: waiting held the tracker to 0.70x
        // of this throughput under exactly_once_v2 (BENCHMARKS.md). A configured value still wins.
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        if (config.kafka().processingGuarantee() != ProcessingGuarantee.AT_LEAST_ONCE) {
            // A transaction commit every 100 ms (Kafka's default under exactly_once_v2) held the stream thread
            // for half of each interval on the benchmark machine; a task that sends a request asks for its commit
            // itself (HeadTracker.REQUEST_COMMIT_SPACING), so requests do not wait for this interval.
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
        }
        props.putAll(config.kafka().properties());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.kafka().applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.kafka().processingGuarantee().configName());
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.kafka().stateDir().toAbsolutePath().toString());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.kafka().replicationFactor());
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        return props;
    }
}
