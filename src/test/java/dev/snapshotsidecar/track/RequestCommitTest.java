package dev.snapshotsidecar.track;

import dev.snapshotsidecar.ingest.AppendedEvent;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.track.policy.EveryNEventsPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Under exactly_once_v2 a request is seen by the worker only once its transaction commits: the tracker asks for that
 * commit itself, spaced, instead of waiting for commit.interval.ms. No I/O: Kafka Streams' mock context records the
 * asks.
 */
class RequestCommitTest {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-28T09:00:00Z"));

    MockProcessorContext<String, SnapshotRequest> context(String guarantee) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "commit-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        MockProcessorContext<String, SnapshotRequest> context = new MockProcessorContext<>(props);
        context.setCurrentSystemTimeMs(1_000_000);
        KeyValueStore<String, StreamHead> heads = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(TrackerNames.HEADS_STORE), Serdes.String(), CompactSerde.HEADS)
                .withLoggingDisabled().build();
        KeyValueStore<String, SweepState> sweeps = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(TrackerNames.SWEEPS_STORE), Serdes.String(), TrackerTopology.SWEEP_SERDE)
                .withLoggingDisabled().build();
        KeyValueStore<String, RebuildJob> rebuilds = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(TrackerNames.REBUILDS_STORE), Serdes.String(), TrackerTopology.REBUILD_SERDE)
                .withLoggingDisabled().build();
        KeyValueStore<String, FoldSpeed> speeds = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(TrackerNames.FOLD_SPEEDS_STORE), Serdes.String(),
                TrackerTopology.FOLD_SPEED_SERDE).withLoggingDisabled().build();
        for (KeyValueStore<String, ?> store : List.of(heads, sweeps, rebuilds, speeds)) {
            store.init(context.getStateStoreContext(), store);
            context.addStateStore(store);
        }
        return context;
    }

    HeadTracker tracker(MockProcessorContext<String, SnapshotRequest> context) {
        HeadTracker tracker = new HeadTracker(TrackerSettings.of(List.of("events"), Map.of("patient",
                new EveryNEventsPolicy(3)), 0, Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(10), 10),
                clock, TrackerMetrics.bound(new SimpleMeterRegistry()), RequestQueue.TIMEOUT_ONLY);
        tracker.init(context);
        return tracker;
    }

    /** Events 0..2 of the stream: the third crosses the threshold of 3 and sends a request. */
    static void crossing(HeadTracker tracker, String streamId) {
        for (int v = 0; v < 3; v++) {
            tracker.process(new Record<>(streamId, new TrackerInput.Change(StreamChange.appended(AppendedEvent.of(
                    streamId, v, "patient", "NoteAdded", Integer.toString(v + 1), Instant.EPOCH))), 0L));
        }
    }

    @Test
    @DisplayName("under exactly_once_v2 a request asks for a commit at once, then at most once per spacing; a punctuation commits what waited")
    void requestsAskForSpacedCommits() {
        MockProcessorContext<String, SnapshotRequest> context = context(StreamsConfig.EXACTLY_ONCE_V2);
        HeadTracker tracker = tracker(context);
        crossing(tracker, "patient-1");
        assertThat(context.forwarded()).hasSize(1);
        assertThat(context.committed()).as("the first request asks for a commit").isTrue();

        context.resetCommit();
        crossing(tracker, "patient-2");
        assertThat(context.forwarded()).hasSize(2);
        assertThat(context.committed()).as("a second request within the spacing waits").isFalse();

        MockProcessorContext.CapturedPunctuator spaced = context.scheduledPunctuators().stream()
                .filter(p -> p.getInterval().equals(HeadTracker.REQUEST_COMMIT_SPACING)).findFirst().orElseThrow();
        long later = 1_000_000 + HeadTracker.REQUEST_COMMIT_SPACING.toMillis();
        spaced.getPunctuator().punctuate(later);
        assertThat(context.committed()).as("the punctuation one spacing later commits it").isTrue();

        context.resetCommit();
        spaced.getPunctuator().punctuate(later + HeadTracker.REQUEST_COMMIT_SPACING.toMillis());
        assertThat(context.committed()).as("nothing waits: no commit asked").isFalse();
    }

    @Test
    @DisplayName("under at_least_once requests need no commit to be seen: none is asked")
    void atLeastOnceAsksNothing() {
        MockProcessorContext<String, SnapshotRequest> context = context(StreamsConfig.AT_LEAST_ONCE);
        HeadTracker tracker = tracker(context);
        crossing(tracker, "patient-1");
        assertThat(context.forwarded()).hasSize(1);
        assertThat(context.committed()).isFalse();
        assertThat(context.scheduledPunctuators()).noneMatch(p -> p.getInterval()
                .equals(HeadTracker.REQUEST_COMMIT_SPACING));
    }
}
