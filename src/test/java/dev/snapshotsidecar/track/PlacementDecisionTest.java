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
    static final PlacementDecision.History FIRST = new PlacementDecision.History(false, REPARTITION, false);
    static final PlacementDecision.History RAN_REPARTITIONED = new PlacementDecision.History(true, REPARTITION, true);
    static final PlacementDecision.History RAN_IN_SOURCE = new PlacementDecision.History(true, REPARTITION, false);
    /** A first start that left its repartition topic behind without committing anything. */
    static final PlacementDecision.History LEFT_TOPIC = new PlacementDecision.History(false, REPARTITION, true);
    static final StreamPlacement.BySourceKey CONNECTOR = new StreamPlacement.BySourceKey("stream_id");

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
    @DisplayName("auto never flips once the tracker has run: the repartition topic keeps stream-id, committed offsets without it keep source")
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
    @DisplayName("an explicit placement that fits how the tracker ran is kept; source over a sample that does not fit warns")
    void explicitPlacementsKept() {
        assertThat(PlacementDecision.needsSample(Partitioning.STREAM_ID, FIRST)).isFalse();
        assertThat(decide(Partitioning.STREAM_ID, FIRST, null).chosen()).isEqualTo(Partitioning.STREAM_ID);
        assertThat(decide(Partitioning.STREAM_ID, RAN_REPARTITIONED, null).chosen()).isEqualTo(Partitioning.STREAM_ID);
        assertThat(decide(Partitioning.SOURCE, RAN_IN_SOURCE, null).chosen()).isEqualTo(Partitioning.SOURCE);

        PlacementDecision.SourceSample fits = sample(4);
        connectorRecord(fits, "patient-1");
        assertThat(decide(Partitioning.SOURCE, FIRST, fits).warning()).isFalse();
        PlacementDecision.SourceSample misfit = sample(4);
        misfit.record("events", 0, 3, "patient-9", null, CONNECTOR.key("patient-9"), 0);
        PlacementDecision warned = decide(Partitioning.SOURCE, FIRST, misfit);
        assertThat(warned.chosen()).isEqualTo(Partitioning.SOURCE);
        assertThat(warned.warning()).isTrue();
        assertThat(warned.reason()).contains("keyed null", "dead letters");
    }

    @Test
    @DisplayName("a sample waits for every source topic to have a record before it is complete")
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
}
