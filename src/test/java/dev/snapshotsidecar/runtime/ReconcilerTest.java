package dev.snapshotsidecar.runtime;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.ingest.AggregateTypeResolver;
import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.SnapshotResult;
import dev.snapshotsidecar.store.EventReader;
import dev.snapshotsidecar.track.StreamHead;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The reconcile pass's decisions and pacing, on an events table and a tracker in memory. */
class ReconcilerTest {
    static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    static final AggregateTypeResolver TYPES = new AggregateTypeResolver(List.of(
            new SidecarConfig.AggregateType("patient", Optional.of(Pattern.compile("patient-.+")), Optional.empty(),
                    "clinical.patient", 100),
            new SidecarConfig.AggregateType("prescription", Optional.of(Pattern.compile("prescription-.+")),
                    Optional.empty(), "clinical.prescription", 100)));

    /** Each stream's last version and how long ago its last event was written. */
    final TreeMap<String, long[]> table = new TreeMap<>();
    final Map<String, Reconciler.Lookup> heads = new HashMap<>();
    final List<SnapshotResult> sent = new ArrayList<>();
    final List<Duration> pauses = new ArrayList<>();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Optional<Long> requested = Optional.empty();
    long behind = 0;
    long nowMillis = NOW.toEpochMilli();

    /** An events table in memory: streamEnds is the interface's default, over streamLengths and read. */
    final EventReader events = new EventReader() {
        @Override
        public long read(String streamId, long fromVersion, long toVersion, EventSink sink) {
            long[] stream = table.get(streamId);
            if (stream == null || stream[0] < fromVersion || stream[0] > toVersion) {
                return 0;
            }
            sink.accept(new StoredEvent(streamId, stream[0], "Event" + stream[0], "{}", Optional.empty(),
                    NOW.minusSeconds(stream[1]), 1000 + stream[0]));
            return 1;
        }

        @Override
        public long readFromLatestSnapshot(String streamId, int schemaVersion, long firstVersion, long toVersion,
                                           java.util.function.Consumer<dev.snapshotsidecar.store.StoredSnapshot> snapshot,
                                           EventSink sink) {
            throw new UnsupportedOperationException("a reconcile pass reads no snapshot");
        }

        @Override
        public OptionalLong lastVersion(String streamId) {
            return table.containsKey(streamId) ? OptionalLong.of(table.get(streamId)[0]) : OptionalLong.empty();
        }

        @Override
        public List<StreamLength> streamLengths(String afterStreamId, int limit) {
            return table.tailMap(afterStreamId, false).entrySet().stream().limit(limit)
                    .map(e -> new StreamLength(e.getKey(), e.getValue()[0], Optional.empty())).toList();
        }
    };

    final Reconciler.Heads tracker = new Reconciler.Heads() {
        @Override
        public Reconciler.Lookup lookup(String streamId) {
            return heads.getOrDefault(streamId, new Reconciler.Lookup.Missing());
        }

        @Override
        public Optional<Long> requestedMillis() {
            return requested;
        }

        @Override
        public OptionalLong behind() {
            return behind < 0 ? OptionalLong.empty() : OptionalLong.of(behind);
        }
    };

    Reconciler reconciler(boolean scheduled, int pageSize, int perSecond) {
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(nowMillis);
            }
        };
        Reconciler reconciler = new Reconciler(events, TYPES, tracker, sent::addAll, new SidecarConfig.Reconcile(
                scheduled, Duration.ofHours(24), perSecond, pageSize, Duration.ofMinutes(5)), clock, pauses::add,
                nowMillis);
        reconciler.bindTo(meters);
        return reconciler;
    }

    void stream(String id, long lastVersion, long secondsAgo, Reconciler.Lookup head) {
        table.put(id, new long[]{lastVersion, secondsAgo});
        heads.put(id, head);
    }

    static Reconciler.Lookup at(long headVersion) {
        return new Reconciler.Lookup.Known(StreamHead.first("patient", headVersion, 0));
    }

    @Test
    @DisplayName("a pass corrects heads behind and missing ones, and nothing else: current, ahead, erasing, held"
            + " elsewhere, too young, of no type")
    void corrections() {
        stream("patient-behind", 40, 3600, at(30));
        stream("patient-current", 40, 3600, at(40));
        stream("patient-ahead", 40, 3600, at(45)); // events arrived since the read: never lowered
        stream("patient-missing", 12, 3600, new Reconciler.Lookup.Missing());
        StreamHead erasing = new StreamHead("patient", 0, 10, -1, 0, 0, -1, StreamHead.Pending.NONE,
                StreamHead.Retry.NONE, new StreamHead.Erasure(StreamHead.ErasureState.PENDING, 0, -1, 10, 0));
        stream("patient-erasing", 40, 3600, new Reconciler.Lookup.Known(erasing));
        stream("patient-elsewhere", 40, 3600, new Reconciler.Lookup.Elsewhere());
        stream("patient-young", 40, 60, at(30)); // written a minute ago: change data capture may be delivering it
        stream("prescription-behind", 7, 3600, at(3));
        stream("visit-1", 7, 3600, new Reconciler.Lookup.Missing()); // no configured type

        Reconciler.Report report = reconciler(true, 4, 1_000_000).pass();

        assertThat(sent).extracting(SnapshotResult::streamId).containsExactly("patient-behind", "patient-missing",
                "prescription-behind");
        assertThat(sent).allSatisfy(r -> assertThat(r.outcome()).isEqualTo(Outcome.HEAD_RECONCILE));
        SnapshotResult missing = sent.get(1);
        assertThat(missing.version()).isEqualTo(12);
        assertThat(missing.aggregateType()).isEqualTo("patient");
        assertThat(missing.lastEvent()).isEqualTo(new SnapshotResult.LastEvent("Event12",
                NOW.minusSeconds(3600).toEpochMilli(), 1012));
        assertThat(report.completed()).isTrue();
        assertThat(report.pages()).isEqualTo(3);
        assertThat(report.types()).containsEntry("patient", new Reconciler.TypeCounts(5, 1, 1))
                .containsEntry("prescription", new Reconciler.TypeCounts(1, 1, 0));
        assertThat(report.elsewhere()).isEqualTo(1);
        assertThat(report.young()).isEqualTo(1);
        assertThat(report.untyped()).isEqualTo(1);
        assertThat(report.corrected()).isEqualTo(3);
        assertThat(meters.get("sidecar.reconcile.corrected").tag("aggregate.type", "patient")
                .tag("correction", "started").counter().count()).isEqualTo(1);
        assertThat(meters.get("sidecar.reconcile.checked").counter().count()).isEqualTo(6);
        assertThat(meters.get("sidecar.reconcile.passes").tag("result", "completed").counter().count()).isEqualTo(1);
    }

    @Test
    @DisplayName("pages are paced to streams-per-second: ten streams at two a second take five seconds")
    void pacing() {
        for (int i = 0; i < 10; i++) {
            stream("patient-" + i, 5, 3600, at(5));
        }
        reconciler(true, 4, 2).pass();
        assertThat(pauses).hasSize(3);
        long total = pauses.stream().mapToLong(Duration::toMillis).sum();
        assertThat(total).as("4, 4 and 2 streams at 2/s, less the time each page took").isBetween(4_500L, 5_000L);
    }

    @Test
    @DisplayName("a pass runs an interval after the last, or at an operator's request, once the tracker caught up")
    void schedule() {
        stream("patient-1", 5, 3600, at(1));
        Reconciler reconciler = reconciler(true, 100, 1000);
        assertThat(reconciler.check()).as("not before the interval").isEmpty();
        nowMillis += Duration.ofHours(24).toMillis();
        behind = Reconciler.CAUGHT_UP + 1;
        assertThat(reconciler.check()).as("the tracker is catching up: heads are behind by design").isEmpty();
        behind = -1;
        assertThat(reconciler.check()).as("nor when its lag cannot be read").isEmpty();
        behind = 0;
        assertThat(reconciler.check()).isPresent();
        assertThat(sent).hasSize(1);
        assertThat(reconciler.check()).as("the next one an interval later").isEmpty();

        requested = Optional.of(nowMillis + 1);
        nowMillis += 1000;
        assertThat(reconciler.check()).as("an operator's request runs one now").isPresent();
        assertThat(reconciler.check()).as("once").isEmpty();
    }

    @Test
    @DisplayName("with scheduled passes off, an operator's request still runs one; an old request does not")
    void requestsOnly() {
        requested = Optional.of(nowMillis - 1); // read before this process started: served by an earlier one
        Reconciler reconciler = reconciler(false, 100, 1000);
        nowMillis += Duration.ofDays(3).toMillis();
        assertThat(reconciler.check()).isEmpty();
        requested = Optional.of(nowMillis);
        assertThat(reconciler.check()).isPresent();
    }

    @Test
    @DisplayName("a page whose corrections cannot be sent stops the pass, counted as failed; the next starts over")
    void failure() {
        stream("patient-1", 5, 3600, at(1));
        Reconciler reconciler = new Reconciler(events, TYPES, tracker, corrections -> {
            throw new java.util.concurrent.TimeoutException("broker");
        }, new SidecarConfig.Reconcile(true, Duration.ofHours(24), 1000, 100, Duration.ofMinutes(5)),
                Clock.fixed(NOW, ZoneOffset.UTC), pauses::add, NOW.toEpochMilli());
        reconciler.bindTo(meters);
        assertThat(reconciler.pass().completed()).isFalse();
        assertThat(meters.get("sidecar.reconcile.passes").tag("result", "failed").counter().count()).isEqualTo(1);
    }
}
