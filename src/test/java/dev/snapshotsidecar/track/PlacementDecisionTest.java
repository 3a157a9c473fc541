package dev.snapshotsidecar.track;

import dev.snapshotsidecar.SidecarException;
import dev.snapshotsidecar.config.Partitioning;
import dev.snapshotsidecar.request.StreamPlacement;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlacementDecisionTest {
    static final String REPARTITION = "app-appended-by-stream-repartition";
    static final String RECORD = "app-placement";
    static final PlacementDecision.History FIRST = history(false, false, Optional.empty());
    /** A tracker that ran before the placement was recorded, with stream-id: both its topics exist. */
    static final PlacementDecision.History RAN_REPARTITIONED = history(true, true, Optional.empty());
    /** A tracker that ran before the placement was recorded, with source: its changelog, no repartition topic. */
    static final PlacementDecision.History RAN_IN_SOURCE = history(false, true, Optional.empty());
    /** A first start that left its repartition topic behind before its changelog. */
    static final PlacementDecision.History LEFT_TOPIC = history(true, false, Optional.empty());
    /** A tracker that recorded stream-id, whose repartition topic an operator deleted. */
    static final PlacementDecision.History REPARTITION_DELETED = history(false, true, Optional.of(Partitioning.STREAM_ID));
    /** A reset application: its internal topics deleted, its record (and its committed offsets) kept. */
    static final PlacementDecision.History RESET_RECORDED = history(false, false, Optional.of(Partitioning.STREAM_ID));
    static final PlacementDecision.History RECORDED_SOURCE = history(false, true, Optional.of(Partitioning.SOURCE));
    static final StreamPlacement.BySourceKey CONNECTOR = new StreamPlacement.BySourceKey("stream_id");

    static PlacementDecision.History history(boolean repartition, boolean changelog, Optional<Partitioning> recorded) {
        return new PlacementDecision.History(REPARTITION, repartition, changelog, recorded, RECORD);
    }

    /** A sample of the topic {@code events} with {@code partitions} partitions. */
    static PlacementDecision.SourceSample sample(int partitions) {
        return new PlacementDecision.SourceSample().topic("events", partitions);
    }

    /** A record of the stream where the connector writes it: its key, in its key's partition among 4. */
    static void connectorRecord(PlacementDecision.SourceSample sample, String streamId) {
        int partition = CONNECTOR.partition(streamId, 4);
        sample.record("events", partition, 7, streamId, CONNECTOR.key(streamId), CONNECTOR.key(streamId), partition);
    }

    static PlacementDecision decide(Partitioning configured, PlacementDecision.History history,
                                    PlacementDecision.SourceSample sample) {
        return PlacementDecision.decide(configured, history, 4, "app", Optional.ofNullable(sample));
    }

    @Test
    @DisplayName("auto on a first start picks source when every sampled record is keyed and partitioned as the connector files do it")
    void autoPicksSourceOnConnectorKeys() {
        PlacementDecision.SourceSample sample = sample(4);
        for (int i = 0; i < 50; i++) {
            connectorRecord(sample, "patient-" + i);
        }
        PlacementDecision decision = decide(Partitioning.AUTO, FIRST, sample);
        assertThat(decision.chosen()).isEqualTo(Partitioning.SOURCE);
        assertThat(decision.reason()).contains("chose source", "all 50 sampled");
        assertThat(decision.warning()).isFalse();
    }

    @Test
    @DisplayName("auto on a first start picks stream-id, saying why, when a record is keyed otherwise, lies elsewhere, the partition count differs or nothing could be sampled")
    void autoFallsBackToStreamId() {
        PlacementDecision.SourceSample otherKey = sample(4);
        connectorRecord(otherKey, "patient-1");
        byte[] composite = "{\"stream_id\":\"patient-2\",\"stream_version\":3}".getBytes(StandardCharsets.UTF_8);
        otherKey.record("events", 0, 9, "patient-2", composite, CONNECTOR.key("patient-2"),
                CONNECTOR.partition("patient-2", 4));
        PlacementDecision decision = decide(Partitioning.AUTO, FIRST, otherKey);
        assertThat(decision.chosen()).isEqualTo(Partitioning.STREAM_ID);
        assertThat(decision.reason()).contains("1 of 2 sampled", "events-0@9", "keyed differently", REPARTITION);

        PlacementDecision.SourceSample elsewhere = sample(4);
        int right = CONNECTOR.partition("patient-3", 4);
        elsewhere.record("events", (right + 1) % 4, 11, "patient-3", CONNECTOR.key("patient-3"),
                CONNECTOR.key("patient-3"), right);
        assertThat(decide(Partitioning.AUTO, FIRST, elsewhere).reason())
                .contains("lies in partition " + (right + 1) % 4 + ", its key's partition is " + right);
        assertThat(decide(Partitioning.AUTO, FIRST, elsewhere).chosen()).isEqualTo(Partitioning.STREAM_ID);

        PlacementDecision.SourceSample onePartition = sample(1);
        connectorRecord(onePartition, "patient-4");
        assertThat(decide(Partitioning.AUTO, FIRST, onePartition)).satisfies(d -> {
            assertThat(d.chosen()).isEqualTo(Partitioning.STREAM_ID);
            assertThat(d.reason()).contains("source topic events has 1 partitions, topics.partitions is 4");
        });

        assertThat(decide(Partitioning.AUTO, FIRST, sample(4))).satisfies(d -> {
            assertThat(d.chosen()).isEqualTo(Partitioning.STREAM_ID);
            assertThat(d.reason()).contains("no change event to sample");
        });
    }

    @Test
    @DisplayName("auto never flips once the tracker has run: without a record, the repartition topic keeps stream-id and a changelog without it keeps source")
    void autoIsStableAcrossRestarts() {
        PlacementDecision.SourceSample fits = sample(4);
        connectorRecord(fits, "patient-1");
        assertThat(PlacementDecision.needsSample(Partitioning.AUTO, FIRST)).isTrue();
        for (PlacementDecision.History later : new PlacementDecision.History[]{RAN_REPARTITIONED, RAN_IN_SOURCE,
                LEFT_TOPIC}) {
            assertThat(PlacementDecision.needsSample(Partitioning.AUTO, later)).as("%s", later).isFalse();
        }
        assertThat(decide(Partitioning.AUTO, RAN_REPARTITIONED, null).chosen()).isEqualTo(Partitioning.STREAM_ID);
        assertThat(decide(Partitioning.AUTO, LEFT_TOPIC, null).chosen()).isEqualTo(Partitioning.STREAM_ID);
        assertThat(decide(Partitioning.AUTO, RAN_IN_SOURCE, null)).satisfies(d -> {
            assertThat(d.chosen()).isEqualTo(Partitioning.SOURCE);
            assertThat(d.reason()).contains("keeps source");
        });
        assertThat(decide(Partitioning.AUTO, RAN_REPARTITIONED, null).reason()).contains("keeps stream-id", REPARTITION);
    }

    @Test
    @DisplayName("the recorded placement outlives the topics: a deleted repartition topic or a reset application keeps it, and a record names where the heads are")
    void recordWins() {
        for (PlacementDecision.History recorded : new PlacementDecision.History[]{REPARTITION_DELETED, RESET_RECORDED}) {
            assertThat(PlacementDecision.needsSample(Partitioning.AUTO, recorded)).as("%s", recorded).isFalse();
            assertThat(decide(Partitioning.AUTO, recorded, null)).satisfies(d -> {
                assertThat(d.chosen()).isEqualTo(Partitioning.STREAM_ID);
                assertThat(d.reason()).contains("keeps stream-id", RECORD + " records stream-id");
            });
            assertThat(decide(Partitioning.STREAM_ID, recorded, null).chosen()).isEqualTo(Partitioning.STREAM_ID);
            assertThatThrownBy(() -> decide(Partitioning.SOURCE, recorded, null))
                    .hasMessageContainingAll("tracker.partitioning=source", RECORD + " records stream-id",
                            "delete the topic " + RECORD);
        }
        assertThat(decide(Partitioning.AUTO, RECORDED_SOURCE, null).chosen()).isEqualTo(Partitioning.SOURCE);
        assertThatThrownBy(() -> decide(Partitioning.STREAM_ID, RECORDED_SOURCE, null))
                .hasMessageContaining("records source");
    }

    @Test
    @DisplayName("a reset application without a record (internal topics deleted, offsets kept) is a first start again, whatever it is configured")
    void resetWithoutRecordIsFirstStart() {
        PlacementDecision.History reset = history(false, false, Optional.empty());
        assertThat(reset.firstStart()).isTrue();
        assertThat(PlacementDecision.needsSample(Partitioning.AUTO, reset)).isTrue();
        assertThat(decide(Partitioning.STREAM_ID, reset, null).chosen()).isEqualTo(Partitioning.STREAM_ID);
    }

    @Test
    @DisplayName("instances starting at once go by the first record: auto adopts another instance's choice, an explicit setting that differs fails")
    void firstRecordWins() {
        PlacementDecision.SourceSample fits = sample(4);
        connectorRecord(fits, "patient-1");
        PlacementDecision ours = decide(Partitioning.AUTO, FIRST, fits);
        assertThat(ours.chosen()).isEqualTo(Partitioning.SOURCE);
        assertThat(ours.reconcile(Partitioning.AUTO, Partitioning.SOURCE, RECORD)).isSameAs(ours);
        assertThat(ours.reconcile(Partitioning.AUTO, Partitioning.STREAM_ID, RECORD)).satisfies(d -> {
            assertThat(d.chosen()).isEqualTo(Partitioning.STREAM_ID);
            assertThat(d.reason()).contains("another instance", RECORD, "chose source");
        });
        PlacementDecision explicit = decide(Partitioning.SOURCE, FIRST, fits);
        assertThatThrownBy(() -> explicit.reconcile(Partitioning.SOURCE, Partitioning.STREAM_ID, RECORD))
                .isInstanceOf(SidecarException.class)
                .hasMessageContainingAll("tracker.partitioning=source", "recorded stream-id", RECORD);
    }

    @Test
    @DisplayName("an explicit placement that contradicts how the tracker ran fails the start, naming the way out")
    void explicitContradictionFails() {
        assertThatThrownBy(() -> decide(Partitioning.SOURCE, RAN_REPARTITIONED, null))
                .isInstanceOf(SidecarException.class)
                .hasMessageContainingAll("tracker.partitioning=source", REPARTITION, "exists", "stream-id or auto",
                        "new kafka.application-id");
        assertThatThrownBy(() -> decide(Partitioning.SOURCE, LEFT_TOPIC, null)).isInstanceOf(SidecarException.class);
        assertThatThrownBy(() -> decide(Partitioning.STREAM_ID, RAN_IN_SOURCE, null))
                .isInstanceOf(SidecarException.class)
                .hasMessageContainingAll("tracker.partitioning=stream-id", "no repartition topic " + REPARTITION,
                        "source or auto");
    }

    @Test
    @DisplayName("an explicit placement that fits how the tracker ran is kept; source over a sample that does not fit warns, over an empty topic it does not (and does not wait for one)")
    void explicitPlacementsKept() {
        assertThat(PlacementDecision.needsSample(Partitioning.STREAM_ID, FIRST)).isFalse();
        assertThat(decide(Partitioning.STREAM_ID, FIRST, null).chosen()).isEqualTo(Partitioning.STREAM_ID);
        assertThat(decide(Partitioning.STREAM_ID, RAN_REPARTITIONED, null).chosen()).isEqualTo(Partitioning.STREAM_ID);
        assertThat(decide(Partitioning.SOURCE, RAN_IN_SOURCE, null).chosen()).isEqualTo(Partitioning.SOURCE);

        PlacementDecision.SourceSample fits = sample(4);
        connectorRecord(fits, "patient-1");
        assertThat(decide(Partitioning.SOURCE, FIRST, fits).warning()).isFalse();
        assertThat(decide(Partitioning.SOURCE, FIRST, sample(4))).as("an empty topic has nothing misplaced yet")
                .satisfies(d -> assertThat(d.warning()).isFalse());
        assertThat(decide(Partitioning.SOURCE, FIRST, sample(2)).reason()).contains("has 2 partitions");
        PlacementDecision.SourceSample misfit = sample(4);
        misfit.record("events", 0, 3, "patient-9", null, CONNECTOR.key("patient-9"), 0);
        PlacementDecision warned = decide(Partitioning.SOURCE, FIRST, misfit);
        assertThat(warned.chosen()).isEqualTo(Partitioning.SOURCE);
        assertThat(warned.warning()).isTrue();
        assertThat(warned.reason()).contains("keyed null", "dead letters");
    }

    @Test
    @DisplayName("a sample waits for every source topic to have a record before it is complete; unreadable records count as records")
    void sampleCompleteness() {
        PlacementDecision.SourceSample two = new PlacementDecision.SourceSample().topic("a", 4).topic("b", 4);
        assertThat(two.everyTopicSampled()).isFalse();
        two.record("a", CONNECTOR.partition("x", 4), 0, "x", CONNECTOR.key("x"), CONNECTOR.key("x"),
                CONNECTOR.partition("x", 4));
        assertThat(two.everyTopicSampled()).isFalse();
        assertThat(two.misfit(4)).hasValueSatisfying(why -> assertThat(why).contains("source topic b had no change event"));
        two.record("b", 0, 0, "y", null, CONNECTOR.key("y"), 0);
        assertThat(two.everyTopicSampled()).isTrue();
        assertThat(two.fitting()).isEqualTo(1);
        assertThat(two.misplaced()).isEqualTo(1);
    }

    @Test
    @DisplayName("a source whose sampled records cannot be read completes the sample and takes stream-id, quoting the first problem, instead of waiting for a readable record")
    void unreadableSource() {
        PlacementDecision.SourceSample avro = new PlacementDecision.SourceSample().topic("a", 4).topic("b", 4);
        avro.record("a", CONNECTOR.partition("x", 4), 0, "x", CONNECTOR.key("x"), CONNECTOR.key("x"),
                CONNECTOR.partition("x", 4));
        assertThat(avro.unsampled()).containsExactly("b");
        for (int i = 0; i < 100; i++) {
            avro.unreadable("b", 2, i, "not JSON");
        }
        assertThat(avro.everyTopicSampled()).isTrue();
        assertThat(avro.unsampled()).isEmpty();
        PlacementDecision decision = PlacementDecision.decide(Partitioning.AUTO, FIRST, 4, "app", Optional.of(avro));
        assertThat(decision.chosen()).isEqualTo(Partitioning.STREAM_ID);
        assertThat(decision.reason()).contains("none of the 100 sampled records of source topic b", "b-2@0: not JSON");
    }
}
