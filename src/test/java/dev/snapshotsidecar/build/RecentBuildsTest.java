package dev.snapshotsidecar.build;

import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotRequest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class RecentBuildsTest {
    static SnapshotRequest request(long head, RequestReason reason) {
        return SnapshotRequest.of("prescription-1", "prescription", head, -1, reason, Instant.EPOCH);
    }

    @Test
    @DisplayName("a duplicate request is answered from memory, a schema rebuild's never: the schema version may have changed since")
    void rebuildsAreNeverAnsweredFromMemory() {
        RecentBuilds recent = new RecentBuilds(10);
        SnapshotRequest built = request(119, RequestReason.THRESHOLD);
        recent.learn(built, built.answer(119, Outcome.WRITTEN, "", 1));
        assertThat(recent.answer(request(119, RequestReason.THRESHOLD))).hasValueSatisfying(r ->
                assertThat(r.outcome()).isEqualTo(Outcome.ALREADY_CURRENT));
        assertThat(recent.answer(request(119, RequestReason.REBUILD))).isEmpty();
    }
}
