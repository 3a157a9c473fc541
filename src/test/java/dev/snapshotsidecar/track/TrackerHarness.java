package dev.snapshotsidecar.track;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.ingest.AggregateTypeResolver;
import dev.snapshotsidecar.ingest.ChangeEventParser;
import dev.snapshotsidecar.request.MessageSerdes;
import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.request.SnapshotResult;
import dev.snapshotsidecar.request.StreamPlacement;
import dev.snapshotsidecar.request.TrackerCommand;
import dev.snapshotsidecar.track.policy.TypeRules;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The tracker topology in a {@code TopologyTestDriver}, with a clock the test moves and one aggregate type per
 * policy (streams {@code <type>-...}): writes change events, results and commands, reads requests. A small factory for
 * the policy tests; {@link #close()} after each.
 */
final class TrackerHarness implements AutoCloseable {
    static final String SOURCE = "eventstore.event_store.events";
    static final Duration SCAN = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    final MutableClock clock;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final TopologyTestDriver driver;
    final TestInputTopic<byte[], byte[]> changes;
    final TestInputTopic<String, SnapshotResult> results;
    final TestInputTopic<String, TrackerCommand> commands;
    final TestOutputTopic<String, SnapshotRequest> requests;
    final KeyValueStore<String, StreamHead> heads;

    TrackerHarness(Instant start, Map<String, SidecarConfig.Policy> policies) {
        this.clock = new MutableClock(start);
        List<SidecarConfig.AggregateType> types = new ArrayList<>();
        Map<String, TypeRules> rules = new HashMap<>();
        policies.forEach((name, policy) -> {
            types.add(new SidecarConfig.AggregateType(name, Optional.of(Pattern.compile(name + "-.+")),
                    Optional.empty(), "x", policy, 3, 1000));
            rules.put(name, TypeRules.of(policy));
        });
        SidecarConfig.Columns columns = new SidecarConfig.Columns("global_position", "stream_id", "stream_version",
                "event_type", "event_data", "metadata", "created_at", Optional.empty());
        TrackerSettings settings = new TrackerSettings(new TrackerSettings.Topics(List.of(SOURCE), "requests",
                "results", "dead-letters", "commands", 4), rules, 0, new TrackerSettings.Timing(Duration.ofMinutes(5),
                Duration.ofSeconds(30), SCAN, 100, 2), true, new StreamPlacement.ByStreamId(), false);
        driver = new TopologyTestDriver(TrackerTopology.build(settings, new ChangeEventParser(columns,
                new AggregateTypeResolver(types)), clock, TrackerMetrics.bound(meters)),
                DriverProperties.of("tracker-harness"), clock.instant());
        changes = driver.createInputTopic(SOURCE, new ByteArraySerializer(), new ByteArraySerializer());
        results = driver.createInputTopic("results", new StringSerializer(), MessageSerdes.RESULT);
        commands = driver.createInputTopic("commands", new StringSerializer(), MessageSerdes.COMMAND);
        requests = driver.createOutputTopic("requests", new StringDeserializer(), MessageSerdes.REQUEST);
        heads = driver.getKeyValueStore(TrackerNames.HEADS_STORE);
    }

    /** A policy of every-n-events {@code everyN} (0: off) and nothing else. */
    static SidecarConfig.Policy everyN(int everyN, SidecarConfig.Tail tail, Optional<Duration> minInterval) {
        SidecarConfig.Policy base = SidecarConfig.Policy.everyN(everyN);
        return new SidecarConfig.Policy(base.thresholds(), base.schedule(),
                new SidecarConfig.Timing(Optional.empty(), minInterval), tail, false);
    }

    /** Events {@code from..to} of the stream, each of {@code eventType} ("": the change event carries none). */
    void append(String streamId, long from, long to, String eventType) {
        for (long v = from; v <= to; v++) {
            ObjectNode after = JSON.createObjectNode().put("stream_id", streamId).put("stream_version", v);
            if (!eventType.isEmpty()) {
                after.put("event_type", eventType);
            }
            ObjectNode envelope = JSON.createObjectNode();
            envelope.set("after", after);
            envelope.putObject("source").put("ts_ms", clock.millis());
            envelope.put("op", "c");
            changes.pipeInput(bytes("{\"stream_id\":\"" + streamId + "\"}"), bytes(envelope.toString()));
        }
    }

    /** A result answering the stream's current incarnation. */
    void result(String streamId, long version, Outcome outcome) {
        StreamHead head = heads.get(streamId);
        results.pipeInput(streamId, new SnapshotResult(SnapshotResult.FORMAT, streamId, version, outcome, "test", 1,
                head == null ? 0 : head.incarnation(), RequestReason.THRESHOLD, ""));
    }

    /** Moves the clock and lets one scan run. */
    void tick(Duration by) {
        clock.advance(by);
        driver.advanceWallClockTime(SCAN);
    }

    /** The requests sent since the last call, as {@code stream@version:REASON}. */
    List<String> requested() {
        return requests.readValuesToList().stream().map(r -> r.streamId() + "@" + r.headVersion() + ":" + r.reason())
                .toList();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        driver.close();
    }
}
