package dev.snapshotsidecar.ingest;

import dev.snapshotsidecar.config.SidecarConfig.AggregateType;

import java.util.List;
import java.util.Optional;

/**
 * Recognises a stream's aggregate type: by the value of the type column when the configuration names one, else by
 * the first stream-id pattern that matches the whole id. Immutable and thread-safe.
 */
public final class AggregateTypeResolver {
    private final List<AggregateType> types;

    public AggregateTypeResolver(List<AggregateType> types) {
        this.types = List.copyOf(types);
    }

    public Optional<String> resolve(String streamId, Optional<String> typeColumnValue) {
        for (AggregateType type : types) {
            if (type.typeColumnValue().isPresent()) {
                if (typeColumnValue.equals(type.typeColumnValue())) {
                    return Optional.of(type.name());
                }
            } else if (type.streamIdPattern().map(p -> p.matcher(streamId).matches()).orElse(false)) {
                return Optional.of(type.name());
            }
        }
        return Optional.empty();
    }
}
