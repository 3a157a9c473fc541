package dev.snapshotsidecar.track;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.request.FoldMeasure;
import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.TrackerCommand;
import dev.snapshotsidecar.track.policy.ReplayCostPolicy;
import dev.snapshotsidecar.track.policy.StreamView;
import dev.snapshotsidecar.track.policy.Trigger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** replay-cost-above through the real topology: the prior first, then the fold speed the workers report. */
class ReplayCostTest {
    /** 2 ms at the prior of 20 µs an event: due from the 100th event after the snapshot. */
    static final SidecarConfig.Tail COSTLY = new SidecarConfig.Tail(Set.of(), Optional.of(Duration.ofMillis(2)), 20);
    TrackerHarness tracker = new TrackerHarness(Instant.parse("2026-11-28T01:00:00Z"), Map.of(
            "heavy", TrackerHarness.everyN(0, COSTLY, Optional.empty()),
            "light", TrackerHarness.everyN(0, COSTLY, Optional.empty())));

    @AfterEach
    void close() {
        tracker.close();
    }

    void report(String type, long events, long microsPerEvent) {
        tracker.commands.pipeInput(type, TrackerCommand.foldSpeed(type,
                new FoldMeasure(events, events * 300, events * microsPerEvent), tracker.clock.instant()));
    }

    double gauge(String type) {
        return tracker.meters.get("sidecar.track.replay.cost.per.event").tag("aggregate.type", type).gauge().value();
    }

    @Test
    @DisplayName("before any build the prior decides: due once the tail would take longer than the limit, not before")
    void prior() {
        assertThat(gauge("heavy")).as("the gauge shows the prior from the start").isEqualTo(20.0);
        tracker.append("heavy-1", 0, 98, "E");
        assertThat(tracker.requested()).as("99 events at 20 µs: 1.98 ms").isEmpty();
        tracker.append("heavy-1", 99, 99, "E");
        assertThat(tracker.requested()).containsExactly("heavy-1@99:REPLAY_COST");
        tracker.result("heavy-1", 99, Outcome.WRITTEN);
        tracker.append("heavy-1", 100, 150, "E");
        assertThat(tracker.requested()).as("the tail starts over at the snapshot").isEmpty();
    }

    @Test
    @DisplayName("with measured speeds, heavy events get snapshots sooner than light ones, with no threshold tuned")
    void measured() {
        report("heavy", 100_000, 400);
        report("light", 100_000, 4);
        assertThat(gauge("heavy")).isCloseTo((20.0 * 1000 + 40_000_000) / 101_000, within(0.01));
        assertThat(gauge("light")).isCloseTo((20.0 * 1000 + 400_000) / 101_000, within(0.01));
        assertThat(tracker.meters.get("sidecar.track.replay.bytes.per.event").tag("aggregate.type", "heavy").gauge()
                .value()).isEqualTo(300.0);

        tracker.append("heavy-2", 0, 4, "E");
        assertThat(tracker.requested()).as("5 events at about 396 µs: 1.98 ms").isEmpty();
        tracker.append("heavy-2", 5, 5, "E");
        assertThat(tracker.requested()).containsExactly("heavy-2@5:REPLAY_COST");
        tracker.append("light-2", 0, 400, "E");
        assertThat(tracker.requested()).as("401 events at about 4.2 µs: 1.7 ms").isEmpty();
        tracker.append("light-2", 401, 500, "E");
        assertThat(tracker.requested()).hasSize(1).allSatisfy(r -> assertThat(r).endsWith(":REPLAY_COST"));
    }

    @Test
    @DisplayName("a new speed is applied by the next scan to streams already waiting, and kept, decayed, in the"
            + " fold-speeds store")
    void scanAppliesNewSpeed() {
        tracker.append("heavy-3", 0, 9, "E");
        tracker.tick(TrackerHarness.SCAN);
        assertThat(tracker.requested()).isEmpty();
        report("heavy", 80_000, 300);
        tracker.tick(TrackerHarness.SCAN);
        assertThat(tracker.requested()).containsExactly("heavy-3@9:REPLAY_COST");
        FoldSpeed kept = tracker.driver.<String, FoldSpeed>getKeyValueStore(TrackerNames.FOLD_SPEEDS_STORE)
                .get("heavy");
        assertThat(kept.measured().events()).isEqualTo(80_000);
        report("heavy", 80_000, 600);
        FoldSpeed halved = tracker.driver.<String, FoldSpeed>getKeyValueStore(TrackerNames.FOLD_SPEEDS_STORE)
                .get("heavy");
        assertThat(halved.measured().events()).as("older measurements are halved past 100,000 events")
                .isEqualTo(80_000);
        assertThat(halved.microsPerEvent(20)).as("the estimate moves to the new speed")
                .isCloseTo((20.0 * 1000 + 36_000_000) / 81_000, within(0.01));
    }

    @Test
    @DisplayName("the rule multiplies the tail by the speed; a zero tail is never due")
    void rule() {
        ReplayCostPolicy policy = new ReplayCostPolicy(Duration.ofMillis(50));
        assertThat(policy.due(new StreamView(2_500, 0, 0, false, 20), 0, Trigger.EVENT)).isPresent();
        assertThat(policy.due(new StreamView(2_499, 0, 0, false, 20), 0, Trigger.EVENT)).isEmpty();
        assertThat(policy.due(new StreamView(0, 0, 0, false, 1e9), 0, Trigger.SCAN)).isEmpty();
    }
}
