package dev.snapshotsidecar.fold;

import java.util.Objects;
import java.util.Optional;

/**
 * The {@link FoldKind#JAVA} kind: an {@link Aggregator} plugin run in this JVM, event by event, its state kept as the
 * aggregator's own immutable value and written as JSON once, at the end. Thread-safe as its aggregator is.
 */
public final class AggregatorFold<S> implements Fold {
    private final Aggregator<S> aggregator;

    public AggregatorFold(Aggregator<S> aggregator) {
        this.aggregator = Objects.requireNonNull(aggregator, "aggregator");
    }

    public Aggregator<S> aggregator() {
        return aggregator;
    }

    @Override
    public FoldKind kind() {
        return FoldKind.JAVA;
    }

    @Override
    public String description() {
        return "aggregator " + aggregator.name();
    }

    @Override
    public int schemaVersion() {
        return aggregator.schemaVersion();
    }

    @Override
    public Run start(String streamId, Optional<FoldState> from, long firstVersion) {
        S state = from.map(f -> read(streamId, f)).orElseGet(aggregator::initialState);
        return new AggregatorRun(streamId, state, from.map(FoldState::version).orElse(firstVersion - 1));
    }

    private S read(String streamId, FoldState from) {
        try {
            return aggregator.fromJson(from.json());
        } catch (RuntimeException e) {
            throw new FoldException(streamId, from.version(), "(snapshot)",
                    "the snapshot at this version cannot be read: " + e.getClass().getSimpleName(), e);
        }
    }

    private final class AggregatorRun implements Run {
        private final String streamId;
        private S state;
        private long version;

        AggregatorRun(String streamId, S state, long version) {
            this.streamId = streamId;
            this.state = state;
            this.version = version;
        }

        @Override
        public void apply(StoredEvent event) {
            try {
                state = aggregator.apply(state, event);
            } catch (RuntimeException e) {
                // the exception's message may quote the payload: only its type is reported
                throw new FoldException(streamId, event.version(), event.eventType(),
                        e.getClass().getSimpleName() + " in " + aggregator.name(), e);
            }
            version = event.version();
        }

        @Override
        public FoldState finish() {
            return new FoldState(version, aggregator.schemaVersion(), aggregator.toJson(state));
        }
    }
}
