package dev.snapshotsidecar.track;

import dev.snapshotsidecar.track.policy.StreamView;
import dev.snapshotsidecar.track.policy.Trigger;
import dev.snapshotsidecar.track.policy.NeverPolicy;
import dev.snapshotsidecar.track.policy.EveryNEventsPolicy;
import dev.snapshotsidecar.request.RequestReason;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EveryNEventsPolicyTest {
    static final StreamHead HEAD = StreamHead.first("patient", 99, 0);

    @Test
    @DisplayName("due from the n-th event after the latest snapshot, not before")
    void threshold() {
        EveryNEventsPolicy policy = new EveryNEventsPolicy(100);
        assertThat(policy.due(new StreamView(99, 0, 0), 0, Trigger.EVENT)).isEmpty();
        assertThat(policy.due(new StreamView(100, 0, 0), 0, Trigger.EVENT)).contains(RequestReason.THRESHOLD);
        assertThat(policy.due(new StreamView(250, 0, 0), 0, Trigger.EVENT)).contains(RequestReason.THRESHOLD);
    }

    @Test
    @DisplayName("events since the snapshot count from the configured first version when there is none")
    void eventsSince() {
        assertThat(HEAD.eventsSinceSnapshot(0)).isEqualTo(100);
        assertThat(HEAD.eventsSinceSnapshot(1)).isEqualTo(99);
        StreamHead snapshotted = HEAD.withSnapshot(49, 0);
        assertThat(snapshotted.eventsSinceSnapshot(0)).isEqualTo(50);
    }

    @Test
    @DisplayName("every save is every-n with n = 1; n below 1 is refused; never is never due")
    void limits() {
        assertThat(new EveryNEventsPolicy(1).due(new StreamView(1, 0, 0), 0, Trigger.EVENT)).isPresent();
        assertThatThrownBy(() -> new EveryNEventsPolicy(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(NeverPolicy.INSTANCE.due(new StreamView(1_000_000, 0, 0), 0, Trigger.EVENT)).isEmpty();
    }
}
