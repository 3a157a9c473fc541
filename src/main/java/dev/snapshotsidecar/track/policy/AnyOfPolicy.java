package dev.snapshotsidecar.track.policy;

import dev.snapshotsidecar.request.RequestReason;
import java.util.List;
import java.util.Optional;

/** Due when any of its rules is, for the first such rule's reason. */
public record AnyOfPolicy(List<SnapshotPolicy> rules) implements SnapshotPolicy {
    public AnyOfPolicy {
        rules = List.copyOf(rules);
    }

    @Override
    public Optional<RequestReason> due(StreamView stream, long nowMillis, Trigger trigger) {
        for (SnapshotPolicy rule : rules) {
            Optional<RequestReason> reason = rule.due(stream, nowMillis, trigger);
            if (reason.isPresent()) {
                return reason;
            }
        }
        return Optional.empty();
    }
}
