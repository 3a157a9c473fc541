package dev.snapshotsidecar.track;

import dev.snapshotsidecar.track.policy.SweepSchedule;
import dev.snapshotsidecar.track.policy.TypeRules;
import dev.snapshotsidecar.request.MessageSerdes;
import dev.snapshotsidecar.request.StreamPlacement;
import dev.snapshotsidecar.request.TrackerCommand;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.SnapshotResult;
import dev.snapshotsidecar.request.SnapshotRequest;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.snapshotsidecar.config.DailyWindow;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.ingest.AggregateTypeResolver;
import dev.snapshotsidecar.ingest.ChangeEventParser;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Every policy and lifecycle rule through the real topology, with a clock the test moves. */
class PolicyTopologyTest {
    static final String SOURCE = "eventstore.event_store.events";
    static final Duration SCAN = Duration.ofSeconds(10);
    static final ObjectMapper JSON = new ObjectMapper();
    static final ZoneId LONDON = ZoneId.of("Europe/London");

    // 2026-11-28 is in winter: London is UTC+0; 2026-07-01 is in summer: London is UTC+1
    MutableClock clock = new MutableClock(Instant.parse("2026-11-28T01:00:00Z"));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    TopologyTestDriver driver;
    TestInputTopic<byte[], byte[]> changes;
    TestInputTopic<String, SnapshotResult> results;
    TestInputTopic<String, TrackerCommand> commands;
    TestOutputTopic<String, SnapshotRequest> requests;
    KeyValueStore<String, StreamHead> heads;
    KeyValueStore<String, SweepState> sweeps;
    boolean awaitBootstrap;

    static SidecarConfig.Policy policy(int everyN, boolean onEverySave, Optional<Duration> interval,
                                       Optional<DailyWindow> window, int minEvents, Optional<Duration> idle,
                                       Optional<Duration> minInterval, boolean never) {
        return new SidecarConfig.Policy(new SidecarConfig.Thresholds(everyN, onEverySave),
                new SidecarConfig.Schedule(interval, window, LONDON, minEvents),
                new SidecarConfig.Timing(idle, minInterval), never);
    }

    static final Map<String, SidecarConfig.Policy> POLICIES = Map.of(
            "daily", policy(0, false, Optional.empty(), DailyWindow.parse("02:00-04:00"), 1, Optional.empty(),
                    Optional.empty(), false),
            "hourly", policy(0, false, Optional.of(Duration.ofHours(1)), Optional.empty(), 5, Optional.empty(),
                    Optional.empty(), false),
            "idle", policy(0, false, Optional.empty(), Optional.empty(), 1, Optional.of(Duration.ofMinutes(30)),
                    Optional.empty(), false),
            "spaced", policy(2, false, Optional.empty(), Optional.empty(), 1, Optional.empty(),
                    Optional.of(Duration.ofMinutes(10)), false),
            "eager", policy(100, true, Optional.empty(), Optional.empty(), 1, Optional.empty(), Optional.empty(), false),
            "big", policy(10, false, Optional.empty(), Optional.empty(), 1, Optional.empty(), Optional.empty(), false),
            "never", policy(1, false, Optional.empty(), Optional.empty(), 1, Optional.empty(), Optional.empty(), true));

    void start(int scanBatch, Map<String, StreamHead> restoredHeads, Map<String, SweepState> restoredSweeps) {
        List<SidecarConfig.AggregateType> types = new ArrayList<>();
        Map<String, TypeRules> rules = new HashMap<>();
        POLICIES.forEach((name, policy) -> {
            types.add(new SidecarConfig.AggregateType(name, Optional.of(Pattern.compile(name + "-.+")),
                    Optional.empty(), "x", policy, 3, 1000));
            rules.put(name, TypeRules.of(policy));
        });
        SidecarConfig.Columns columns = new SidecarConfig.Columns("global_position", "stream_id", "stream_version",
                "event_type", "event_data", "metadata", "created_at", Optional.empty());
        TrackerSettings settings = new TrackerSettings(new TrackerSettings.Topics(List.of(SOURCE), "requests",
                "results", "dead-letters", "commands", 4), rules, 0, new TrackerSettings.Timing(Duration.ofMinutes(5),
                Duration.ofSeconds(30), SCAN, scanBatch, 2), true, new StreamPlacement.ByStreamId(), awaitBootstrap);
        Properties props = DriverProperties.of("policy-test");
        driver = new TopologyTestDriver(TrackerTopology.build(settings, new ChangeEventParser(columns,
                new AggregateTypeResolver(types)), clock, TrackerMetrics.bound(meters)), props, clock.instant());
        changes = driver.createInputTopic(SOURCE, new ByteArraySerializer(), new ByteArraySerializer());
        results = driver.createInputTopic("results", new StringSerializer(), MessageSerdes.RESULT);
        commands = driver.createInputTopic("commands", new StringSerializer(), MessageSerdes.COMMAND);
        requests = driver.createOutputTopic("requests", new StringDeserializer(), MessageSerdes.REQUEST);
        heads = driver.getKeyValueStore(TrackerNames.HEADS_STORE);
        sweeps = driver.getKeyValueStore(TrackerNames.SWEEPS_STORE);
        restoredHeads.forEach(heads::put);
        restoredSweeps.forEach(sweeps::put);
    }

    void start() {
        start(100, Map.of(), Map.of());
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    void append(String streamId, long from, long to) {
        for (long v = from; v <= to; v++) {
            ObjectNode after = JSON.createObjectNode().put("stream_id", streamId).put("stream_version", v)
                    .put("event_type", "E");
            ObjectNode envelope = JSON.createObjectNode();
            envelope.set("after", after);
            envelope.putObject("source").put("ts_ms", clock.millis());
            envelope.put("op", "c");
            changes.pipeInput(bytes("{\"stream_id\":\"" + streamId + "\"}"), bytes(envelope.toString()));
        }
    }

    void delete(String streamId, long version) {
        ObjectNode before = JSON.createObjectNode().put("stream_id", streamId).put("stream_version", version);
        ObjectNode envelope = JSON.createObjectNode();
        envelope.set("before", before);
        envelope.putNull("after");
        envelope.put("op", "d");
        changes.pipeInput(bytes("{\"stream_id\":\"" + streamId + "\"}"), bytes(envelope.toString()));
        changes.pipeInput(bytes("{\"stream_id\":\"" + streamId + "\"}"), (byte[]) null);
    }

    void result(String streamId, long version, Outcome outcome) {
        StreamHead head = heads.get(streamId);
        results.pipeInput(streamId, new SnapshotResult(SnapshotResult.FORMAT, streamId, version, outcome, "test", 1,
                head == null ? 0 : head.incarnation(), RequestReason.THRESHOLD, ""));
    }

    /** The answer to the ERASE the head owes, checked against its position. */
    void eraseResult(String streamId, Outcome outcome) {
        StreamHead head = heads.get(streamId);
        results.pipeInput(streamId, new SnapshotResult(SnapshotResult.FORMAT, streamId, head.erasure().position(),
                outcome, "test", 1, head.erasure().incarnation(), RequestReason.ERASE, ""));
    }

    /** Moves the clock and lets one scan run. */
    void tick(Duration by) {
        clock.advance(by);
        driver.advanceWallClockTime(SCAN);
    }

    List<String> requested() {
        return requests.readValuesToList().stream().map(r -> r.streamId() + "@" + r.headVersion() + ":" + r.reason())
                .toList();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("a daily window sweeps at its opening edge, not a minute before, once per day, in its time zone")
    void dailyWindow() {
        start();
        append("daily-1", 0, 3);
        clock.advance(Duration.ofMinutes(59)); // 01:59 London
        driver.advanceWallClockTime(SCAN);
        assertThat(requested()).isEmpty();
        tick(Duration.ofMinutes(1)); // 02:00 London: the window opens
        assertThat(requested()).containsExactly("daily-1@3:SCHEDULED");
        result("daily-1", 3, Outcome.WRITTEN);
        append("daily-1", 4, 4);
        tick(Duration.ofMinutes(30)); // still in the window, but today's sweep is done
        assertThat(requested()).isEmpty();
        tick(Duration.ofHours(2)); // 04:30: closed
        assertThat(requested()).isEmpty();
        tick(Duration.ofHours(21).plusMinutes(30)); // next day 02:00
        assertThat(requested()).containsExactly("daily-1@4:SCHEDULED");
    }

    @Test
    @DisplayName("the window follows the time zone's summer time: 02:00 London is 01:00 UTC in July")
    void timeZone() {
        clock = new MutableClock(Instant.parse("2026-07-01T00:30:00Z")); // 01:30 London (BST)
        start();
        append("daily-2", 0, 0);
        tick(Duration.ofMinutes(29)); // 00:59 UTC, 01:59 London
        assertThat(requested()).isEmpty();
        tick(Duration.ofMinutes(1)); // 01:00 UTC, 02:00 London
        assertThat(requested()).containsExactly("daily-2@0:SCHEDULED");
    }

    @Test
    @DisplayName("an interval sweep asks only for streams with at least min-events since their last snapshot")
    void intervalSweep() {
        start();
        append("hourly-1", 0, 3);
        append("hourly-2", 0, 4);
        tick(Duration.ofSeconds(10));
        assertThat(requested()).containsExactly("hourly-2@4:SCHEDULED");
        result("hourly-2", 4, Outcome.WRITTEN);
        append("hourly-1", 4, 9);
        tick(Duration.ofMinutes(30));
        assertThat(requested()).as("the next sweep is an hour after the last started").isEmpty();
        tick(Duration.ofMinutes(30));
        assertThat(requested()).containsExactly("hourly-1@9:SCHEDULED");
    }

    @Test
    @DisplayName("a sweep walks bounded slices and, restarted from its stored state, goes on where it stopped")
    void sweepResumesAfterRestart() {
        start(2, Map.of(), Map.of());
        for (int i = 0; i < 5; i++) {
            append("hourly-" + i, 0, 5);
        }
        tick(Duration.ofSeconds(10));
        assertThat(requested()).hasSize(2);
        SweepState state = sweeps.get("hourly");
        assertThat(state.inProgress()).isTrue();
        assertThat(state.cursor()).isEqualTo("hourly-1");
        Map<String, StreamHead> restoredHeads = new HashMap<>();
        heads.all().forEachRemaining(kv -> restoredHeads.put(kv.key, kv.value));
        driver.close();

        start(2, restoredHeads, Map.of("hourly", state)); // what a restarted task restores from its changelogs
        tick(Duration.ofSeconds(10));
        assertThat(requested()).containsExactly("hourly-2@5:SCHEDULED", "hourly-3@5:SCHEDULED");
        tick(Duration.ofSeconds(10));
        assertThat(requested()).containsExactly("hourly-4@5:SCHEDULED");
        assertThat(sweeps.get("hourly").inProgress()).isFalse();
    }

    @Test
    @DisplayName("the scan's cursor survives re-initialisation: a task re-initialised often still reaches every head")
    void scanResumesAfterRestart() {
        start(2, Map.of(), Map.of());
        for (int i = 0; i < 6; i++) {
            append("idle-s" + i, 0, 0);
        }
        clock.advance(Duration.ofHours(1)); // every stream is idle now, each due by the scan
        List<String> asked = new ArrayList<>();
        for (int restart = 0; restart < 3; restart++) {
            tick(SCAN);
            asked.addAll(requested());
            Map<String, StreamHead> restoredHeads = new HashMap<>();
            heads.all().forEachRemaining(kv -> restoredHeads.put(kv.key, kv.value));
            Map<String, SweepState> restoredSweeps = new HashMap<>();
            sweeps.all().forEachRemaining(kv -> restoredSweeps.put(kv.key, kv.value));
            driver.close();
            start(2, restoredHeads, restoredSweeps); // the task moved, or its thread was replaced
        }
        assertThat(asked).as("two per scan, never starting over").containsExactly("idle-s0@0:IDLE",
                "idle-s1@0:IDLE", "idle-s2@0:IDLE", "idle-s3@0:IDLE", "idle-s4@0:IDLE", "idle-s5@0:IDLE");
    }

    @Test
    @DisplayName("an idle stream gets a snapshot once no event came for the idle time, not before")
    void idle() {
        start();
        append("idle-1", 0, 2);
        tick(Duration.ofMinutes(29));
        assertThat(requested()).isEmpty();
        append("idle-1", 3, 3);
        tick(Duration.ofMinutes(29));
        assertThat(requested()).as("the new event restarted the idle time").isEmpty();
        tick(Duration.ofMinutes(1));
        assertThat(requested()).containsExactly("idle-1@3:IDLE");
        result("idle-1", 3, Outcome.WRITTEN);
        tick(Duration.ofHours(2));
        assertThat(requested()).as("nothing new since the snapshot").isEmpty();
    }

    @Test
    @DisplayName("the minimum interval holds back a due stream until it has passed since the last snapshot")
    void minimumInterval() {
        start();
        append("spaced-1", 0, 1);
        assertThat(requested()).containsExactly("spaced-1@1:THRESHOLD");
        result("spaced-1", 1, Outcome.WRITTEN);
        append("spaced-1", 2, 5);
        assertThat(requested()).isEmpty();
        tick(Duration.ofMinutes(9));
        assertThat(requested()).isEmpty();
        tick(Duration.ofMinutes(1));
        assertThat(requested()).containsExactly("spaced-1@5:THRESHOLD");
    }

    @Test
    @DisplayName("on every save asks after each event; never asks for nothing, however long the stream")
    void onEverySaveAndNever() {
        start();
        append("eager-1", 0, 0);
        result("eager-1", 0, Outcome.WRITTEN);
        append("eager-1", 1, 1);
        result("eager-1", 1, Outcome.WRITTEN);
        append("never-1", 0, 500);
        tick(Duration.ofDays(2));
        assertThat(requested()).containsExactly("eager-1@0:THRESHOLD", "eager-1@1:THRESHOLD");
    }

    @Test
    @DisplayName("TOO_LARGE is not asked for again until the stream grows by another threshold")
    void tooLarge() {
        start();
        append("big-1", 0, 9);
        assertThat(requested()).containsExactly("big-1@9:THRESHOLD");
        result("big-1", 9, Outcome.TOO_LARGE);
        append("big-1", 10, 18);
        tick(Duration.ofHours(1));
        assertThat(requested()).isEmpty();
        append("big-1", 19, 19);
        assertThat(requested()).containsExactly("big-1@19:THRESHOLD");
        assertThat(meters.get("sidecar.track.results").tag("outcome", "TOO_LARGE").counter().count()).isEqualTo(1);
    }

    @Test
    @DisplayName("deleted events owe an erasure, asked again after failures until confirmed, never forgotten before")
    void erasureIsAnObligation() {
        start();
        append("big-2", 0, 9);
        requested();
        delete("big-2", 0);
        delete("big-2", 1);
        assertThat(requested()).as("one ERASE for the deletion, none for its other rows and tombstones")
                .containsExactly("big-2@9:ERASE");
        assertThat(heads.get("big-2").erasing()).isTrue();
        result("big-2", 9, Outcome.WRITTEN); // the build that raced the erasure changes nothing
        assertThat(heads.get("big-2").erasing()).isTrue();
        assertThat(heads.get("big-2").snapshotVersion()).isEqualTo(StreamHead.NONE);

        eraseResult("big-2", Outcome.FAILED); // the database was down longer than the worker's give-up
        assertThat(requested()).isEmpty();
        tick(Duration.ofSeconds(30));
        assertThat(requested()).as("asked again after the backoff").containsExactly("big-2@9:ERASE");
        eraseResult("big-2", Outcome.FAILED);
        for (int day = 0; day < 3; day++) {
            tick(HeadTracker.ERASED_MARKER_TTL);
            assertThat(heads.get("big-2")).as("an unconfirmed erasure is never forgotten").isNotNull();
            assertThat(heads.get("big-2").erasing()).isTrue();
            assertThat(requested()).as("and keeps being asked for").containsExactly("big-2@9:ERASE");
        }
        append("big-2", 10, 25);
        assertThat(requested()).as("no build while the erasure is owed").isEmpty();
        assertThat(meters.get("sidecar.track.erasures").tag("outcome", "failed").counter().count()).isEqualTo(2);

        eraseResult("big-2", Outcome.ERASED);
        assertThat(requested()).as("the events after the deletion make a live stream again, due at once")
                .containsExactly("big-2@25:THRESHOLD");
        assertThat(heads.get("big-2").erasure().state()).isEqualTo(StreamHead.ErasureState.NONE);
    }

    @Test
    @DisplayName("a confirmed erasure leaves a marker a day; an id written again is a new incarnation")
    void erasureAndNewIncarnation() {
        start();
        append("big-5", 0, 9);
        List<SnapshotRequest> first = requests.readValuesToList();
        long oldIncarnation = first.get(0).incarnation();
        delete("big-5", 0);
        assertThat(requested()).containsExactly("big-5@9:ERASE");
        eraseResult("big-5", Outcome.ERASED);
        assertThat(heads.get("big-5").isErased()).isTrue();
        // the build that raced the erasure answers after it was confirmed: the marker stays a marker
        results.pipeInput("big-5", new SnapshotResult(SnapshotResult.FORMAT, "big-5", 9, Outcome.WRITTEN, "late", 1,
                oldIncarnation, RequestReason.THRESHOLD, ""));
        assertThat(heads.get("big-5").isErased()).isTrue();
        assertThat(heads.get("big-5").snapshotVersion()).isEqualTo(StreamHead.NONE);
        assertThat(requested()).isEmpty();
        clock.advance(Duration.ofMillis(5));
        append("big-5", 0, 9);
        SnapshotRequest fresh = requests.readValue();
        assertThat(fresh.headVersion()).isEqualTo(9);
        assertThat(fresh.incarnation()).as("a new incarnation").isNotEqualTo(oldIncarnation);
        // the old incarnation's build answers late: it must not make the new one look snapshotted
        results.pipeInput("big-5", new SnapshotResult(SnapshotResult.FORMAT, "big-5", 9, Outcome.WRITTEN, "late", 1,
                oldIncarnation, RequestReason.THRESHOLD, ""));
        assertThat(heads.get("big-5").snapshotVersion()).isEqualTo(StreamHead.NONE);
        assertThat(heads.get("big-5").pending()).isTrue();
        assertThat(meters.get("sidecar.track.stale.results").counter().count()).isEqualTo(1);
        result("big-5", 9, Outcome.WRITTEN);
        assertThat(heads.get("big-5").snapshotVersion()).isEqualTo(9);

        delete("big-5", 3); // an archive job, or a DBA, removes a row: not erasure
        assertThat(requested()).containsExactly("big-5@9:ERASE");
        eraseResult("big-5", Outcome.EVENTS_REMAIN);
        assertThat(heads.get("big-5").erasure().state()).isEqualTo(StreamHead.ErasureState.NONE);
        assertThat(heads.get("big-5").snapshotVersion()).as("its snapshots stay").isEqualTo(9);
        append("big-5", 10, 19);
        assertThat(requested()).as("and it is snapshotted on").containsExactly("big-5@19:THRESHOLD");

        delete("big-5", 0);
        requested();
        eraseResult("big-5", Outcome.ERASED);
        tick(HeadTracker.ERASED_MARKER_TTL.minusMinutes(1));
        assertThat(heads.get("big-5")).as("the marker is kept a day").isNotNull();
        tick(Duration.ofMinutes(2));
        assertThat(heads.get("big-5")).as("then forgotten").isNull();
    }

    @Test
    @DisplayName("a rebuild asks for every stream of the type, longest first, a bounded number per scan")
    void rebuild() {
        start();
        int[] lengths = {3, 40, 1, 17, 9, 100};
        for (int i = 0; i < lengths.length; i++) {
            append("never-r" + i, 0, lengths[i] - 1);
        }
        append("big-3", 0, 5);
        requested();
        commands.pipeInput("never", TrackerCommand.rebuild("never", clock.instant()));
        List<String> order = new ArrayList<>();
        for (int scan = 0; scan < 20 && order.size() < lengths.length; scan++) {
            tick(Duration.ofSeconds(10));
            List<String> batch = requested();
            assertThat(batch.size()).as("at most rebuild-batch per scan").isLessThanOrEqualTo(2);
            order.addAll(batch);
        }
        assertThat(order).containsExactly("never-r5@99:REBUILD", "never-r1@39:REBUILD", "never-r3@16:REBUILD",
                "never-r4@8:REBUILD", "never-r0@2:REBUILD", "never-r2@0:REBUILD");
        tick(Duration.ofSeconds(10));
        assertThat(requested()).as("the job is done").isEmpty();
    }

    RebuildProgress progress(String type, Instant requestedAt) {
        KeyValueStore<String, RebuildJob> jobs = driver.getKeyValueStore(TrackerNames.REBUILDS_STORE);
        return RebuildProgress.ofTask(type, requestedAt.toEpochMilli(), 0, Optional.ofNullable(jobs.get(type)),
                visitor -> {
                    try (var it = heads.all()) {
                        it.forEachRemaining(kv -> visitor.accept(kv.key, kv.value));
                    }
                });
    }

    @Test
    @DisplayName("a rebuild's progress, read from the stores, counts exactly the streams asked for and answered;"
            + " the finished job is kept a day")
    void rebuildProgress() {
        start();
        int[] lengths = {3, 40, 1, 17, 9, 100, 33, 70};
        for (int i = 0; i < lengths.length; i++) {
            append("never-p" + i, 0, lengths[i] - 1);
        }
        append("big-1", 0, 5);
        requested();
        Instant asked = clock.instant();
        assertThat(progress("never", asked)).as("the command is not read yet")
                .isEqualTo(new RebuildProgress("never", 1, 1, 0, 0, 0, 0, 0, 0, 0));
        commands.pipeInput("never", TrackerCommand.rebuild("never", asked));
        assertThat(progress("never", asked)).as("measuring")
                .isEqualTo(new RebuildProgress("never", 1, 0, 1, 0, 8, 0, 0, 0, 0));
        assertThat(progress("never", asked.plusMillis(1)).waiting()).as("a later rebuild is not this one").isEqualTo(1);

        List<String> asks = new ArrayList<>();
        int answered = 0;
        int failed = 0;
        for (int scan = 0; scan < 20 && !progress("never", asked).complete(); scan++) {
            tick(SCAN);
            List<String> batch = requested();
            asks.addAll(batch);
            RebuildProgress now = progress("never", asked);
            assertThat(now.requested()).as("after %s", asks).isEqualTo(asks.size());
            assertThat(now.pending()).isEqualTo(asks.size() - answered - failed);
            // every other request is answered before the next scan, the others fail
            for (String ask : batch) {
                String id = ask.substring(0, ask.indexOf('@'));
                long version = Long.parseLong(ask.substring(ask.indexOf('@') + 1, ask.indexOf(':')));
                if (asks.indexOf(ask) % 2 == 0) {
                    result(id, version, Outcome.WRITTEN);
                    answered++;
                } else {
                    result(id, version, Outcome.FAILED);
                    failed++;
                }
            }
            now = progress("never", asked);
            assertThat(now.answered()).isEqualTo(answered);
            assertThat(now.failing()).isEqualTo(failed);
        }
        RebuildProgress done = progress("never", asked);
        assertThat(done.finished()).as("the walk is over").isEqualTo(1);
        assertThat(done.requested()).isEqualTo(8);
        assertThat(done.answered()).isEqualTo(4);
        assertThat(done.failing()).isEqualTo(4);
        assertThat(done.complete()).as("asked for all, nothing pending").isTrue();
        assertThat(progress("big", asked).waiting()).as("another type has no rebuild").isEqualTo(1);

        tick(HeadTracker.ERASED_MARKER_TTL.minusMinutes(1));
        assertThat(progress("never", asked).finished()).as("kept a day").isEqualTo(1);
        tick(Duration.ofMinutes(2));
        assertThat(progress("never", asked).waiting()).as("then forgotten").isEqualTo(1);
    }

    @Test
    @DisplayName("a rebuild job stored by the previous version is read, and walks on")
    void rebuildJobOfThePreviousVersion() {
        RebuildJob old = TrackerTopology.REBUILD_SERDE.deserialize("rebuild-jobs-changelog", bytes(
                "{\"aggregateType\":\"never\",\"requestedMillis\":1000,\"band\":3,\"cursor\":\"never-p2\","
                        + "\"longest\":12}"));
        assertThat(old).isEqualTo(new RebuildJob("never", 1000, 0, 3, "never-p2", 12, 0));
        assertThat(old.finished()).isFalse();
        assertThat(old.sinceMillis()).isEqualTo(1000);
    }

    @Test
    @DisplayName("a first start's announcements give heads their snapshot and type, events at or below it included")
    void bootstrap() {
        start();
        results.pipeInput("big-4", SnapshotResult.announced("big-4", 49, "big"));
        append("big-4", 50, 58);
        assertThat(requested()).isEmpty();
        append("big-4", 59, 59);
        assertThat(requested()).containsExactly("big-4@59:THRESHOLD");
        assertThat(heads.get("big-4").aggregateType()).isEqualTo("big");

        // the stream's latest snapshot is its head: every replayed event is at or below it
        results.pipeInput("big-6", SnapshotResult.announced("big-6", 49, ""));
        append("big-6", 0, 49);
        assertThat(requested()).isEmpty();
        assertThat(heads.get("big-6").aggregateType()).as("learnt from the replayed events, duplicates all")
                .isEqualTo("big");
        commands.pipeInput("big", TrackerCommand.rebuild("big", clock.instant()));
        List<String> rebuilt = new ArrayList<>();
        for (int scan = 0; scan < 10; scan++) {
            tick(SCAN);
            rebuilt.addAll(requested());
        }
        assertThat(rebuilt).as("a rebuild of the type reaches it").contains("big-6@49:REBUILD");

        // an announcement read after the stream's events: taken whatever the head's incarnation
        append("big-7", 0, 5);
        results.pipeInput("big-7", SnapshotResult.announced("big-7", 5, "big"));
        assertThat(heads.get("big-7").snapshotVersion()).isEqualTo(5);
        results.pipeInput("big-8", SnapshotResult.of("big-8", 5, Outcome.WRITTEN, "no such request", 1));
        assertThat(heads.get("big-8")).as("a result for a stream never seen that is no announcement").isNull();
    }

    @Test
    @DisplayName("a first start that announced snapshots asks for nothing before its announcements are read")
    void bootstrapGate() {
        awaitBootstrap = true;
        start();
        assertThat(meters.get("sidecar.track.bootstrap.waiting.tasks").gauge().value()).isEqualTo(1);
        append("big-9", 0, 120); // Debezium's initial snapshot replays the history first
        append("big-10", 0, 30);
        tick(SCAN);
        assertThat(requested()).as("nothing before the announcements").isEmpty();
        results.pipeInput("big-9", SnapshotResult.announced("big-9", 115, "big"));
        results.pipeInput(SnapshotResult.MARKER_KEY, SnapshotResult.bootstrapComplete());
        assertThat(meters.get("sidecar.track.bootstrap.waiting.tasks").gauge().value()).isZero();
        tick(SCAN);
        assertThat(requested()).as("then only what is due given the existing snapshots")
                .containsExactly("big-10@30:THRESHOLD");
        append("big-9", 121, 125);
        assertThat(requested()).containsExactly("big-9@125:THRESHOLD");
    }

    @Test
    @DisplayName("window edges: the end is exclusive, and a window may cross midnight")
    void windowEdges() {
        DailyWindow night = DailyWindow.parse("23:00-01:00").orElseThrow();
        assertThat(night.contains(java.time.LocalTime.of(23, 0))).isTrue();
        assertThat(night.contains(java.time.LocalTime.of(0, 59))).isTrue();
        assertThat(night.contains(java.time.LocalTime.of(1, 0))).isFalse();
        assertThat(night.contains(java.time.LocalTime.of(22, 59))).isFalse();
        SweepSchedule schedule = new SweepSchedule.Daily(night, ZoneOffset.UTC);
        long start = Instant.parse("2026-11-28T23:30:00Z").toEpochMilli();
        SweepState done = new SweepState(false, "", start);
        assertThat(schedule.active(Instant.parse("2026-11-29T00:30:00Z").toEpochMilli(), done.inProgress(), done.startedMillis()))
                .as("after midnight it is still the same night's window").isFalse();
        assertThat(schedule.active(Instant.parse("2026-11-29T23:00:00Z").toEpochMilli(), done.inProgress(), done.startedMillis())).isTrue();
    }
}
