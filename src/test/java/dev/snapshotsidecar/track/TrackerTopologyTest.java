package dev.snapshotsidecar.track;

import dev.snapshotsidecar.track.policy.EveryNEventsPolicy;
import dev.snapshotsidecar.request.DeadLetters;
import dev.snapshotsidecar.request.MessageSerdes;
import dev.snapshotsidecar.request.StreamPlacement;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.SnapshotResult;
import dev.snapshotsidecar.request.SnapshotRequest;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.ingest.AggregateTypeResolver;
import dev.snapshotsidecar.ingest.ChangeEventParser;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tracker's logic record by record under TopologyTestDriver, which runs no transactions: exactly-once across a
 * crash is shown on the real broker (PipelineIT's hard kill, FaultIT), not here.
 */
class TrackerTopologyTest {
    static final String SOURCE = "eventstore.event_store.events";
    static final Duration TIMEOUT = Duration.ofMinutes(5);
    static final Duration BACKOFF = Duration.ofSeconds(30);
    static final Duration SCAN = Duration.ofSeconds(10);
    static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    MutableClock clock = new MutableClock(Instant.parse("2026-11-28T09:00:00Z"));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    TopologyTestDriver driver;
    TestInputTopic<byte[], byte[]> changes;
    TestInputTopic<String, SnapshotResult> results;
    TestOutputTopic<String, SnapshotRequest> requests;
    TestOutputTopic<byte[], byte[]> deadLetters;
    KeyValueStore<String, StreamHead> heads;
    /** What the tracker knows of the worker's queue: whether everything sent so far was answered. */
    final java.util.concurrent.atomic.AtomicBoolean queueAnswered = new java.util.concurrent.atomic.AtomicBoolean(true);
    TestInputTopic<byte[], byte[]> rawResults;
    TestInputTopic<byte[], byte[]> rawCommands;

    @BeforeEach
    void start() {
        start(2);
    }

    void start(int scanBatch) {
        start(TrackerSettings.of(List.of(SOURCE), Map.of("patient", new EveryNEventsPolicy(3),
                "prescription", new EveryNEventsPolicy(5)), 0, TIMEOUT, BACKOFF, SCAN, scanBatch), parser());
    }

    static ChangeEventParser parser() {
        SidecarConfig.Columns columns = new SidecarConfig.Columns("global_position", "stream_id", "stream_version",
                "event_type", "event_data", "metadata", "created_at", Optional.empty());
        return new ChangeEventParser(columns, new AggregateTypeResolver(List.of(
                new SidecarConfig.AggregateType("patient", Optional.of(Pattern.compile("patient-.+")),
                        Optional.empty(), "clinical.patient", 3),
                new SidecarConfig.AggregateType("prescription", Optional.of(Pattern.compile("prescription-.+")),
                        Optional.empty(), "clinical.prescription", 5))));
    }

    void start(TrackerSettings settings, ChangeEventParser parser) {
        if (driver != null) {
            driver.close();
        }
        Properties props = DriverProperties.of("tracker-test");
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        driver = new TopologyTestDriver(TrackerTopology.build(settings, parser, clock, TrackerMetrics.bound(meters),
                (streamId, sentAt) -> queueAnswered.get()), props, clock.instant());
        rawResults = driver.createInputTopic("snapshot-results", new ByteArraySerializer(), new ByteArraySerializer());
        rawCommands = driver.createInputTopic("snapshot-commands", new ByteArraySerializer(),
                new ByteArraySerializer());
        changes = driver.createInputTopic(SOURCE, new ByteArraySerializer(), new ByteArraySerializer());
        results = driver.createInputTopic("snapshot-results", new StringSerializer(), MessageSerdes.RESULT);
        requests = driver.createOutputTopic("snapshot-requests", new StringDeserializer(), MessageSerdes.REQUEST);
        deadLetters = driver.createOutputTopic("snapshot-dead-letters", new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        heads = driver.getKeyValueStore(TrackerNames.HEADS_STORE);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    void append(String streamId, long version) {
        append(streamId, version, -1);
    }

    /** An insert of the stream's event at {@code version}, with its global position when not negative. */
    void append(String streamId, long version, long position) {
        ObjectNode after = JSON.createObjectNode().put("stream_id", streamId).put("stream_version", version)
                .put("event_type", "PatientAdmitted").put("created_at", "2026-11-28T09:00:00Z");
        if (position >= 0) {
            after.put("global_position", position);
        }
        ObjectNode envelope = JSON.createObjectNode();
        envelope.putNull("before");
        envelope.set("after", after);
        envelope.putObject("source").put("connector", "postgresql").put("lsn", 100 + version)
                .put("ts_ms", clock.millis());
        envelope.put("op", "c");
        changes.pipeInput(bytes("{\"stream_id\":\"" + streamId + "\"}"), bytes(envelope.toString()));
    }

    void appendAll(String streamId, long from, long to) {
        for (long v = from; v <= to; v++) {
            append(streamId, v);
        }
    }

    void result(String streamId, long version, Outcome outcome) {
        StreamHead head = heads.get(streamId);
        results.pipeInput(streamId, new SnapshotResult(SnapshotResult.FORMAT, streamId, version, outcome, "test", 5,
                head == null ? 0 : head.incarnation(), RequestReason.THRESHOLD, ""));
    }

    /** The answer to the ERASE the head owes, checked against its position. */
    void eraseResult(String streamId, Outcome outcome) {
        StreamHead head = heads.get(streamId);
        results.pipeInput(streamId, new SnapshotResult(SnapshotResult.FORMAT, streamId, head.erasure().position(),
                outcome, "test", 1, head.erasure().incarnation(), RequestReason.ERASE, ""));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("a stream is due once every-n events follow its latest snapshot, and is asked for once")
    void crossing() {
        appendAll("patient-1", 0, 1);
        assertThat(requests.isEmpty()).isTrue();
        append("patient-1", 2);
        SnapshotRequest request = requests.readValue();
        assertThat(request.streamId()).isEqualTo("patient-1");
        assertThat(request.aggregateType()).isEqualTo("patient");
        assertThat(request.headVersion()).isEqualTo(2);
        assertThat(request.snapshotVersion()).isEqualTo(StreamHead.NONE);
        assertThat(request.reason()).isEqualTo(RequestReason.THRESHOLD);
        appendAll("patient-1", 3, 9);
        assertThat(requests.isEmpty()).as("no second request while one is pending").isTrue();
        assertThat(heads.get("patient-1").headVersion()).isEqualTo(9);
    }

    @Test
    @DisplayName("every crossing of every stream is detected, one request per crossing")
    void everyCrossing() {
        for (int s = 0; s < 50; s++) {
            appendAll("prescription-" + s, 0, 4);
        }
        List<TestRecord<String, SnapshotRequest>> all = requests.readRecordsToList();
        assertThat(all).hasSize(50).allSatisfy(r -> assertThat(r.value().headVersion()).isEqualTo(4));
        for (int s = 0; s < 50; s++) {
            result("prescription-" + s, 4, Outcome.WRITTEN);
            appendAll("prescription-" + s, 5, 9);
        }
        assertThat(requests.readRecordsToList()).hasSize(50)
                .allSatisfy(r -> assertThat(r.value().headVersion()).isEqualTo(9));
    }

    @Test
    @DisplayName("a duplicate change event does not move the head")
    void duplicates() {
        appendAll("patient-1", 0, 1);
        append("patient-1", 1);
        append("patient-1", 0);
        assertThat(heads.get("patient-1").headVersion()).isEqualTo(1);
        assertThat(requests.isEmpty()).isTrue();
        assertThat(meters.get("sidecar.track.duplicates").counter().count()).isEqualTo(2);
    }

    @Test
    @DisplayName("reordered events keep the maximum version, and the crossing is still seen")
    void reordering() {
        append("patient-1", 0);
        append("patient-1", 2);
        assertThat(requests.readValue().headVersion()).isEqualTo(2);
        append("patient-1", 1);
        assertThat(heads.get("patient-1").headVersion()).isEqualTo(2);
        assertThat(requests.isEmpty()).isTrue();
    }

    @Test
    @DisplayName("a result moves the snapshot version, and events that came during the build make it due again")
    void resultThenDueAgain() {
        appendAll("patient-1", 0, 2);
        requests.readValue();
        appendAll("patient-1", 3, 6);
        result("patient-1", 2, Outcome.WRITTEN);
        StreamHead head = heads.get("patient-1");
        assertThat(head.snapshotVersion()).isEqualTo(2);
        SnapshotRequest again = requests.readValue();
        assertThat(again.headVersion()).isEqualTo(6);
        assertThat(again.snapshotVersion()).isEqualTo(2);
    }

    @Test
    @DisplayName("a request with no result is sent again after the timeout, by the scan")
    void timeout() {
        appendAll("patient-1", 0, 2);
        requests.readValue();
        clock.advance(TIMEOUT.minusSeconds(20));
        driver.advanceWallClockTime(SCAN);
        assertThat(requests.isEmpty()).isTrue();
        clock.advance(Duration.ofSeconds(20));
        driver.advanceWallClockTime(SCAN);
        SnapshotRequest again = requests.readValue();
        assertThat(again.headVersion()).isEqualTo(2);
    }

    @Test
    @DisplayName("a late result of an older request does not clear the newer pending one")
    void lateResult() {
        appendAll("patient-1", 0, 2);
        requests.readValue();
        clock.advance(TIMEOUT);
        append("patient-1", 3);
        assertThat(requests.readValue().headVersion()).isEqualTo(3);
        result("patient-1", 2, Outcome.WRITTEN);
        StreamHead head = heads.get("patient-1");
        assertThat(head.snapshotVersion()).isEqualTo(2);
        assertThat(head.pendingVersion()).isEqualTo(3);
        appendAll("patient-1", 4, 6);
        assertThat(requests.isEmpty()).as("still pending at 3").isTrue();
    }

    @Test
    @DisplayName("a failed build is asked for again after the backoff, which doubles per failure")
    void failureBackoff() {
        appendAll("patient-1", 0, 2);
        requests.readValue();
        result("patient-1", 2, Outcome.FAILED);
        assertThat(requests.isEmpty()).isTrue();
        assertThat(heads.get("patient-1").consecutiveFailures()).isEqualTo(1);
        clock.advance(BACKOFF);
        driver.advanceWallClockTime(SCAN);
        assertThat(requests.readValue().headVersion()).isEqualTo(2);
        result("patient-1", 2, Outcome.FAILED);
        clock.advance(BACKOFF);
        driver.advanceWallClockTime(SCAN);
        assertThat(requests.isEmpty()).as("second failure waits twice as long").isTrue();
        clock.advance(BACKOFF);
        driver.advanceWallClockTime(SCAN);
        assertThat(requests.readValue().headVersion()).isEqualTo(2);
        result("patient-1", 2, Outcome.WRITTEN);
        assertThat(heads.get("patient-1").consecutiveFailures()).isZero();
    }

    @Test
    @DisplayName("the scan visits the store in bounded slices and resumes where it stopped")
    void boundedScan() {
        start(2);
        for (int s = 0; s < 5; s++) {
            appendAll("patient-" + s, 0, 2);
        }
        assertThat(requests.readRecordsToList()).hasSize(5);
        clock.advance(TIMEOUT);
        driver.advanceWallClockTime(SCAN);
        assertThat(requests.readRecordsToList()).hasSize(2);
        driver.advanceWallClockTime(SCAN);
        assertThat(requests.readRecordsToList()).hasSize(2);
        driver.advanceWallClockTime(SCAN);
        assertThat(requests.readRecordsToList()).hasSize(1);
    }

    @Test
    @DisplayName("bad change events go to dead letters with topic, partition, offset and reason, and the rest go on")
    void deadLetters() {
        changes.pipeInput(bytes("{\"stream_id\":\"patient-1\"}"), bytes("{not json"));
        appendAll("patient-1", 0, 2);
        TestRecord<byte[], byte[]> letter = deadLetters.readRecord();
        assertThat(new String(letter.value(), StandardCharsets.UTF_8)).isEqualTo("{not json");
        assertThat(header(letter, DeadLetters.TOPIC_HEADER)).isEqualTo(SOURCE);
        assertThat(header(letter, DeadLetters.PARTITION_HEADER)).isEqualTo("0");
        assertThat(header(letter, DeadLetters.OFFSET_HEADER)).isEqualTo("0");
        assertThat(header(letter, DeadLetters.REASON_HEADER)).startsWith("value is not JSON");
        assertThat(requests.readValue().headVersion()).isEqualTo(2);
        assertThat(meters.get("sidecar.ingest.dead.letters").counter().count()).isEqualTo(1);
    }

    @Test
    @DisplayName("updates and untracked streams move no head")
    void ignored() {
        append("invoice-1", 5);
        assertThat(heads.approximateNumEntries()).isZero();
        appendAll("patient-1", 0, 1);
        ObjectNode row = JSON.createObjectNode().put("stream_id", "patient-1").put("stream_version", 9)
                .put("event_type", "PatientAdmitted");
        ObjectNode update = JSON.createObjectNode();
        update.set("before", row);
        update.set("after", row);
        update.putObject("source").put("connector", "postgresql").put("ts_ms", clock.millis());
        update.put("op", "u");
        changes.pipeInput(bytes("{\"stream_id\":\"patient-1\"}"), bytes(update.toString()));
        assertThat(heads.get("patient-1").headVersion()).as("an update of version 9 moves nothing").isEqualTo(1);
        assertThat(meters.get("sidecar.ingest.events").tag("outcome", "ignored-update").counter().count())
                .isEqualTo(1);
        assertThat(requests.isEmpty()).isTrue();
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    @DisplayName("a timed-out request is not asked again while the worker has not taken it yet")
    void noResendWhileQueued() {
        appendAll("patient-1", 0, 2);
        requests.readValue();
        queueAnswered.set(false); // a day-one storm: the request still waits in the worker's queue
        for (int i = 0; i < 5; i++) {
            clock.advance(TIMEOUT);
            driver.advanceWallClockTime(SCAN);
        }
        appendAll("patient-1", 3, 6);
        assertThat(requests.isEmpty()).as("no duplicate of a queued request").isTrue();
        queueAnswered.set(true); // taken and answered, and still no result here: asked again
        driver.advanceWallClockTime(SCAN);
        assertThat(requests.readValue().headVersion()).isEqualTo(6);
    }

    @Test
    @DisplayName("bad records of the results and commands topics go to dead letters; unknown values are tolerated")
    void badResultsAndCommands() {
        appendAll("patient-1", 0, 2);
        requests.readValue();
        rawResults.pipeInput(bytes("patient-1"), bytes("{not json"));
        rawResults.pipeInput(bytes("patient-2"), MessageSerdes.RESULT.serialize("t",
                SnapshotResult.of("patient-1", 2, Outcome.WRITTEN, "keyed by another stream", 1)));
        rawResults.pipeInput(bytes("patient-1"), bytes("{\"v\":7,\"streamId\":\"patient-1\",\"version\":2,"
                + "\"outcome\":\"FROM_THE_FUTURE\",\"detail\":\"a newer version\",\"incarnation\":"
                + heads.get("patient-1").incarnation() + "}"));
        rawCommands.pipeInput(bytes("patient"), bytes("[1,2]"));
        rawCommands.pipeInput(bytes("patient"), bytes("{\"v\":9,\"kind\":\"DEFRAGMENT\",\"aggregateType\":"
                + "\"patient\",\"requestedAt\":\"2026-11-28T09:00:00Z\"}"));
        List<TestRecord<byte[], byte[]>> letters = deadLetters.readRecordsToList();
        assertThat(letters).hasSize(3);
        assertThat(letters).extracting(r -> header(r, DeadLetters.TOPIC_HEADER))
                .containsExactly("snapshot-results", "snapshot-results", "snapshot-commands");
        assertThat(header(letters.get(1), DeadLetters.REASON_HEADER)).contains("not its record key");
        assertThat(letters.get(0).value()).isEqualTo(bytes("{not json"));
        assertThat(meters.get("sidecar.track.dead.letters").tag("input", "results").counter().count()).isEqualTo(2);
        assertThat(meters.get("sidecar.track.results").tag("outcome", "UNKNOWN").counter().count()).isEqualTo(1);
        assertThat(heads.get("patient-1").pending()).as("an unknown outcome answers nothing").isTrue();
        result("patient-1", 2, Outcome.WRITTEN);
        assertThat(heads.get("patient-1").snapshotVersion()).as("the task goes on").isEqualTo(2);
    }

    @Test
    @DisplayName("a result never moves a stream beyond the versions seen; a head beyond the database comes down")
    void implausibleVersions() {
        appendAll("patient-1", 0, 2);
        requests.readValue();
        result("patient-1", 1_000_000, Outcome.WRITTEN);
        assertThat(heads.get("patient-1").snapshotVersion()).isEqualTo(2);
        assertThat(heads.get("patient-1").headVersion()).isEqualTo(2);
        appendAll("patient-1", 3, 5);
        assertThat(requests.readValue().headVersion()).as("the stream is due again at the next crossing")
                .isEqualTo(5);

        append("patient-9", 0);
        append("patient-9", 1_000_000); // a bad row, or a record produced again with an edited value
        assertThat(requests.readValue().headVersion()).isEqualTo(1_000_000);
        result("patient-9", 0, Outcome.HEAD_BEYOND_EVENTS); // the builder found the events end at 0
        assertThat(heads.get("patient-9").headVersion()).isZero();
        assertThat(meters.get("sidecar.track.heads.corrected").counter().count()).isEqualTo(1);
        appendAll("patient-9", 1, 2);
        assertThat(requests.readValue().headVersion()).as("real events count again").isEqualTo(2);
    }

    @Test
    @DisplayName("an operator's reset sets the head to the database's version, down or up, whatever the incarnation")
    void headReset() {
        appendAll("patient-1", 0, 1);
        append("patient-1", 40); // a bad record below any threshold: nothing corrects it by itself
        requests.readValuesToList();
        results.pipeInput("patient-1", SnapshotResult.headReset("patient-1", 1));
        assertThat(heads.get("patient-1").headVersion()).isEqualTo(1);
        assertThat(heads.get("patient-1").pending()).isFalse();
        appendAll("patient-1", 2, 2);
        assertThat(requests.readValue().headVersion()).as("the next crossing is seen again").isEqualTo(2);
        results.pipeInput("patient-1", SnapshotResult.headReset("patient-1", 7)); // behind the database: up
        assertThat(heads.get("patient-1").headVersion()).isEqualTo(7);
        assertThat(meters.get("sidecar.track.heads.corrected").counter().count()).isEqualTo(2);
    }

    @Test
    @DisplayName("versions a stream cannot have (below the first, beyond the column, beyond a long) go to dead letters")
    void impossibleVersions() {
        for (String version : List.of("-1", "2147483648", "123456789012345678901234567890")) {
            changes.pipeInput(bytes("{\"stream_id\":\"patient-1\"}"), bytes("{\"op\":\"c\",\"before\":null,"
                    + "\"after\":{\"stream_id\":\"patient-1\",\"stream_version\":" + version + "},"
                    + "\"source\":{}}"));
        }
        assertThat(deadLetters.readRecordsToList()).hasSize(3)
                .allSatisfy(r -> assertThat(header(r, DeadLetters.REASON_HEADER)).contains("stream_version"));
        assertThat(heads.get("patient-1")).isNull();
    }

    @Test
    @DisplayName("with global positions, a stale copy of an erased incarnation changes nothing and a re-created id"
            + " inherits the erasure owed")
    void incarnationsByPosition() {
        for (long v = 0; v <= 4; v++) {
            append("patient-1", v, 100 + v);
        }
        assertThat(requests.readValuesToList()).extracting(SnapshotRequest::headVersion).containsExactly(2L);
        long first = heads.get("patient-1").incarnation();
        deleteRow("patient-1", 0, 100);
        SnapshotRequest erase = requests.readValue();
        assertThat(erase.reason()).isEqualTo(RequestReason.ERASE);
        assertThat(erase.position()).as("the highest position of the incarnation").isEqualTo(104);
        append("patient-1", 3, 103); // the old insert of version 3, produced again
        assertThat(heads.get("patient-1").incarnation()).as("a stale copy starts nothing").isEqualTo(first);
        clock.advance(Duration.ofSeconds(1));
        for (long v = 0; v <= 4; v++) {
            append("patient-1", v, 200 + v); // written again before the erasure was confirmed
        }
        StreamHead head = heads.get("patient-1");
        assertThat(head.incarnation()).isNotEqualTo(first);
        assertThat(head.erasing()).as("the new incarnation inherits the erasure owed").isTrue();
        assertThat(requests.isEmpty()).as("and is not built before it").isTrue();
        eraseResult("patient-1", Outcome.ERASED);
        assertThat(heads.get("patient-1").erasing()).isFalse();
        SnapshotRequest build = requests.readValue();
        assertThat(build.headVersion()).isEqualTo(4);
        assertThat(build.incarnation()).isEqualTo(head.incarnation());
    }

    @Test
    @DisplayName("an archived stream that lives on is no new incarnation: an event written after the deletion and"
            + " produced again is a duplicate, and the snapshots stay")
    void archivedStreamLivesOnThroughDuplicates() {
        for (long v = 0; v <= 4; v++) {
            append("patient-1", v, 100 + v);
        }
        assertThat(requests.readValue().headVersion()).isEqualTo(2);
        result("patient-1", 2, Outcome.WRITTEN);
        long first = heads.get("patient-1").incarnation();
        deleteRow("patient-1", 0, 100); // archived below its snapshot
        deleteRow("patient-1", 1, 101);
        assertThat(requests.readValue().reason()).isEqualTo(RequestReason.ERASE);
        append("patient-1", 5, 300); // the stream lives on
        clock.advance(Duration.ofSeconds(1));
        append("patient-1", 5, 300); // the same insert produced again (a connector restarted)
        assertThat(heads.get("patient-1").incarnation()).as("a copy of a later event starts no new life")
                .isEqualTo(first);
        eraseResult("patient-1", Outcome.EVENTS_REMAIN);
        StreamHead head = heads.get("patient-1");
        assertThat(head.erasing()).isFalse();
        assertThat(head.snapshotVersion()).as("the snapshot the archive kept still counts").isEqualTo(2);
        List<SnapshotRequest> after = requests.readValuesToList();
        assertThat(after).as("no erasure of every snapshot").noneMatch(r -> r.reason() == RequestReason.ERASE);
        assertThat(after).extracting(SnapshotRequest::headVersion).containsExactly(5L);
    }

    @Test
    @DisplayName("an erasure with no known boundary takes it from the first event written after the deletion; an"
            + " answer checked against the old one is ignored")
    void boundaryFromTheNextEvent() {
        appendAll("patient-1", 0, 1); // a head that saw no position (learnt at bootstrap, or a connector without)
        deleteRow("patient-1", 0, 100);
        assertThat(requests.readValue().position()).isEqualTo(SnapshotRequest.NO_POSITION);
        append("patient-1", 2, 150); // the stream lives on after the deletion
        SnapshotRequest bounded = requests.readValue();
        assertThat(bounded.reason()).isEqualTo(RequestReason.ERASE);
        assertThat(bounded.position()).as("every event of the erased life lies below it").isEqualTo(149);
        long incarnation = heads.get("patient-1").erasure().incarnation();
        results.pipeInput("patient-1", new SnapshotResult(SnapshotResult.FORMAT, "patient-1",
                SnapshotRequest.NO_POSITION, Outcome.EVENTS_REMAIN, "test", 1, incarnation, RequestReason.ERASE, ""));
        assertThat(heads.get("patient-1").erasing()).as("events remain, but only the new one: not an answer to the"
                + " ERASE owed").isTrue();
        eraseResult("patient-1", Outcome.ERASED);
        assertThat(heads.get("patient-1").erasing()).isFalse();
    }

    @Test
    @DisplayName("an id written again while events remain, with no boundary to tell its lives apart, loses every"
            + " snapshot before its new life is built")
    void recreatedWithoutBoundary() {
        appendAll("patient-1", 0, 2);
        requests.readValue();
        result("patient-1", 2, Outcome.WRITTEN);
        long first = heads.get("patient-1").incarnation();
        deleteRow("patient-1", 0, 100);
        requests.readValue();
        clock.advance(Duration.ofSeconds(1));
        append("patient-1", 0); // written again, before the erasure was confirmed
        assertThat(heads.get("patient-1").incarnation()).isNotEqualTo(first);
        eraseResult("patient-1", Outcome.EVENTS_REMAIN); // the new event, or old ones: nothing tells which
        SnapshotRequest all = requests.readValue();
        assertThat(all.reason()).isEqualTo(RequestReason.ERASE);
        assertThat(all.position()).isEqualTo(SnapshotRequest.ALL_SNAPSHOTS);
        assertThat(heads.get("patient-1").erasing()).isTrue();
        eraseResult("patient-1", Outcome.ERASED);
        assertThat(heads.get("patient-1").erasing()).isFalse();
        appendAll("patient-1", 1, 2);
        assertThat(requests.readValue().incarnation()).as("then the new life is built")
                .isEqualTo(heads.get("patient-1").incarnation());
    }

    @Test
    @DisplayName("a request unanswered for FALLBACK_TIMEOUTS timeouts is asked again though the queue never said it"
            + " was taken (its watch may be stuck)")
    void fallbackResend() {
        appendAll("patient-1", 0, 2);
        requests.readValue();
        queueAnswered.set(false);
        for (int i = 1; i < RequestQueue.FALLBACK_TIMEOUTS; i++) {
            clock.advance(TIMEOUT);
            driver.advanceWallClockTime(SCAN);
        }
        assertThat(requests.isEmpty()).isTrue();
        clock.advance(TIMEOUT);
        driver.advanceWallClockTime(SCAN);
        assertThat(requests.readValue().headVersion()).isEqualTo(2);
    }

    @Test
    @DisplayName("a record the tracking logic fails on is counted, logged and skipped; the task and other streams go on")
    void logicFailure() {
        start(TrackerSettings.of(List.of(SOURCE), Map.of("patient", new EveryNEventsPolicy(3),
                "prescription", (stream, now, trigger) -> {
                    throw new IllegalStateException("a policy bug");
                }), 0, TIMEOUT, BACKOFF, SCAN, 2), parser());
        append("prescription-1", 0);
        appendAll("patient-1", 0, 2);
        assertThat(requests.readValue().streamId()).isEqualTo("patient-1");
        assertThat(meters.get("sidecar.track.errors").counter().count()).isEqualTo(1);
        assertThat(deadLetters.isEmpty()).as("the record is sound; the logic is not").isTrue();
    }

    @Test
    @DisplayName("a build that finds no event at all erases the stream (its delete never reached the tracker);"
            + " a head that moved since the request is not brought down")
    void headBeyondEvents() {
        appendAll("patient-1", 0, 2);
        requests.readValue();
        result("patient-1", -1, Outcome.HEAD_BEYOND_EVENTS);
        SnapshotRequest erase = requests.readValue();
        assertThat(erase.reason()).isEqualTo(RequestReason.ERASE);
        assertThat(heads.get("patient-1").erasing()).isTrue();

        appendAll("patient-2", 0, 2);
        requests.readValue();
        append("patient-2", 3); // came after the request, and after the build read the table
        result("patient-2", 1, Outcome.HEAD_BEYOND_EVENTS);
        assertThat(heads.get("patient-2").headVersion()).as("the head is the newer event's").isEqualTo(3);
        assertThat(meters.get("sidecar.track.heads.corrected").counter().count()).isZero();
    }

    @Test
    @DisplayName("the end of the announcements is kept even where the tracker did not wait for it, for an instance"
            + " that did and takes the task later")
    void bootstrapMarkerKept() {
        results.pipeInput(SnapshotResult.MARKER_KEY, SnapshotResult.bootstrapComplete());
        KeyValueStore<String, ?> sweeps = driver.getKeyValueStore(TrackerNames.SWEEPS_STORE);
        assertThat(sweeps.get(HeadTracker.BOOTSTRAP_KEY)).isNotNull();
    }

    @Test
    @DisplayName("a build asks for no event above the highest position the tracker saw")
    void buildsCarryTheirPosition() {
        for (long v = 0; v <= 2; v++) {
            append("patient-1", v, 100 + v);
        }
        assertThat(requests.readValue().position()).isEqualTo(102);
    }

    void deleteRow(String streamId, long version, long position) {
        ObjectNode before = JSON.createObjectNode().put("stream_id", streamId).put("stream_version", version)
                .put("global_position", position);
        ObjectNode envelope = JSON.createObjectNode();
        envelope.set("before", before);
        envelope.putNull("after");
        envelope.putObject("source").put("connector", "postgresql").put("ts_ms", clock.millis());
        envelope.put("op", "d");
        changes.pipeInput(bytes("{\"stream_id\":\"" + streamId + "\"}"), bytes(envelope.toString()));
    }

    @Test
    @DisplayName("with tracker.partitioning=source there is no repartition topic, requests name the task's partition,"
            + " and an event outside its stream's source partition goes to dead letters")
    void sourcePartitioned() {
        StreamPlacement placement = new StreamPlacement.BySourceKey("stream_id");
        // the test driver feeds every record to partition 0 of 4
        String home = streamIn(placement, 0, "patient-home-");
        String elsewhere = streamIn(placement, 3, "patient-away-");
        start(TrackerSettings.of(List.of(SOURCE), Map.of("patient", new EveryNEventsPolicy(3)), 0, TIMEOUT, BACKOFF,
                SCAN, 2).withPlacement(placement, 4), parser());
        assertThat(TrackerTopology.build(TrackerSettings.of(List.of(SOURCE), Map.of(), 0, TIMEOUT, BACKOFF, SCAN, 2)
                .withPlacement(placement, 4), parser(), clock, TrackerMetrics.bound(new SimpleMeterRegistry()))
                .describe().toString()).doesNotContain(TrackerNames.APPENDED_BY_STREAM).contains(TrackerNames.TRACK_HEADS);

        appendAll(home, 0, 2);
        SnapshotRequest request = requests.readValue();
        assertThat(request.streamId()).isEqualTo(home);
        assertThat(request.resultsPartition()).contains(0);

        append(elsewhere, 0);
        assertThat(heads.get(elsewhere)).isNull();
        TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
        assertThat(header(dead, DeadLetters.REASON_HEADER)).contains("tracker.partitioning=source")
                .contains("partition 3 of 4");
        assertThat(requests.isEmpty()).isTrue();
    }

    /** A stream id that {@code placement} puts in {@code partition} of 4. */
    static String streamIn(StreamPlacement placement, int partition, String prefix) {
        for (int i = 0; ; i++) {
            if (placement.partition(prefix + i, 4) == partition) {
                return prefix + i;
            }
        }
    }

    @Test
    @DisplayName("every processor, store and internal topic has an explicit name")
    void explicitNames() {
        String described = TrackerTopology.build(TrackerSettings.of(List.of(SOURCE), Map.of(), 0,
                TIMEOUT, BACKOFF, SCAN, 10), new ChangeEventParser(new SidecarConfig.Columns("g", "s", "v", "t", "d",
                "m", "c", Optional.empty()), new AggregateTypeResolver(List.of())), clock,
                TrackerMetrics.bound(new SimpleMeterRegistry())).describe().toString();
        assertThat(described).doesNotContain("KSTREAM-").doesNotContain("KTABLE-")
                .contains(TrackerNames.HEADS_STORE, TrackerNames.APPENDED_BY_STREAM, TrackerNames.TRACK_HEADS);
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
