package dev.snapshotsidecar.fold.http;

import dev.snapshotsidecar.fold.Fold;
import dev.snapshotsidecar.fold.FoldException;
import dev.snapshotsidecar.fold.FoldKind;
import dev.snapshotsidecar.fold.FoldState;
import dev.snapshotsidecar.fold.FoldUnavailableException;
import dev.snapshotsidecar.fold.StoredEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.IntConsumer;

/**
 * The {@link FoldKind#HTTP} kind: one aggregate type folded by its service, over its {@link HttpFoldEndpoint}. A run
 * sends the events in chunks of at most {@code chunkEvents} events and about {@code chunkBytes} bytes, each call
 * starting from the state the previous one returned (the first from the snapshot, or from none); the state comes back
 * as the service's serializer wrote it, and is stored so.
 *
 * <p>A 422 fails the stream with the service's reason. A state at a schema version the service no longer reads
 * ({@code unsupported-schema-version}) makes the sidecar describe again: the build fails for now and the next one
 * folds from the new version's latest snapshot, or from the first event. Thread-safe; a run is used by one thread.
 */
public final class HttpFold implements Fold {
    private final String aggregateType;
    private final HttpFoldEndpoint endpoint;
    private final int chunkEvents;
    private final long chunkBytes;

    public HttpFold(String aggregateType, HttpFoldEndpoint endpoint, int chunkEvents, long chunkBytes) {
        this.aggregateType = Objects.requireNonNull(aggregateType, "aggregateType");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.chunkEvents = chunkEvents;
        this.chunkBytes = chunkBytes;
    }

    @Override
    public FoldKind kind() {
        return FoldKind.HTTP;
    }

    @Override
    public String description() {
        return "http " + endpoint.url();
    }

    @Override
    public int schemaVersion() {
        return endpoint.schemaVersion(aggregateType);
    }

    /** The schema version the service last described for this type, without calling it. */
    public java.util.OptionalInt knownSchemaVersion() {
        return endpoint.knownSchemaVersion(aggregateType);
    }

    @Override
    public int chunkEvents() {
        return chunkEvents;
    }

    @Override
    public void watchSchemaVersion(IntConsumer listener) {
        endpoint.watchSchemaVersions((type, version) -> {
            if (type.equals(aggregateType)) {
                listener.accept(version);
            }
        });
    }

    @Override
    public Run start(String streamId, Optional<FoldState> from, long firstVersion) {
        return new HttpRun(streamId, from);
    }

    private final class HttpRun implements Run {
        private final String streamId;
        private Optional<FoldState> state;
        private final List<StoredEvent> chunk = new ArrayList<>();
        private long chunkSize;

        HttpRun(String streamId, Optional<FoldState> from) {
            this.streamId = streamId;
            this.state = from;
        }

        @Override
        public void apply(StoredEvent event) {
            chunk.add(event);
            chunkSize += event.data().length() + event.metadata().map(String::length).orElse(0);
            if (chunk.size() >= chunkEvents || chunkSize >= chunkBytes) {
                send();
            }
        }

        @Override
        public FoldState finish() {
            if (!chunk.isEmpty()) {
                send();
            }
            return state.orElseThrow(() -> new IllegalStateException("a fold over HTTP needs a starting state or an"
                    + " event"));
        }

        private void send() {
            StoredEvent last = chunk.get(chunk.size() - 1);
            HttpFoldEndpoint.Answer answer = endpoint.fold(streamId,
                    FoldProtocol.foldRequest(aggregateType, streamId, state, chunk));
            switch (answer.status()) {
                case 200 -> state = Optional.of(folded(answer, last));
                case 422 -> throw rejected(FoldProtocol.rejection(answer.body()), last);
                default -> throw new FoldException(streamId, chunk.get(0).version(), chunk.get(0).eventType(),
                        "the fold service at " + endpoint.name() + " answered " + answer.status()
                                + explain(answer.status()), null);
            }
            chunk.clear();
            chunkSize = 0;
        }

        private FoldState folded(HttpFoldEndpoint.Answer answer, StoredEvent last) {
            FoldProtocol.Folded folded;
            try {
                folded = FoldProtocol.folded(answer.body());
            } catch (FoldProtocol.ProtocolViolation e) {
                throw new FoldException(streamId, last.version(), last.eventType(), "the fold service at "
                        + endpoint.name() + " broke protocol " + FoldProtocol.VERSION + ": " + e.getMessage(), null);
            }
            if (folded.version() != last.version()) {
                throw new FoldException(streamId, last.version(), last.eventType(), "the fold service at "
                        + endpoint.name() + " answered for version " + folded.version() + ", not "
                        + last.version() + ", the last event sent", null);
            }
            if (endpoint.knownSchemaVersion(aggregateType).orElse(folded.schemaVersion()) != folded.schemaVersion()) {
                // deployed with a new schema version since the last describe: learn it now, which starts the rebuild
                try {
                    endpoint.describe();
                } catch (RuntimeException e) {
                    // the periodic describe call tries again
                }
            }
            return new FoldState(folded.version(), folded.schemaVersion(), folded.state());
        }

        private RuntimeException rejected(FoldProtocol.Rejection rejection, StoredEvent last) {
            if (FoldProtocol.UNSUPPORTED_SCHEMA_VERSION.equals(rejection.error())) {
                try {
                    endpoint.describe();
                } catch (RuntimeException e) {
                    // the next build asks again
                }
                return new FoldUnavailableException("the fold service at " + endpoint.name() + " no longer reads "
                        + "schema version " + state.map(FoldState::schemaVersion).orElse(0) + " of " + aggregateType
                        + ": described again; the next build starts from the new version");
            }
            long version = rejection.version().orElse(chunk.get(0).version());
            String eventType = chunk.stream().filter(e -> e.version() == version).findFirst()
                    .map(StoredEvent::eventType).orElse(last.eventType());
            return new FoldException(streamId, version, eventType, "rejected by the fold service: "
                    + rejection.error() + (rejection.reason().isEmpty() ? "" : ": " + rejection.reason()), null);
        }
    }

    private static String explain(int status) {
        return switch (status) {
            case 400 -> " (bad request: does it speak protocol " + FoldProtocol.VERSION + "?)";
            case 401, 403 -> " (the sidecar's credentials were refused: fold.http.bearer-token or tls)";
            case 404 -> " (no fold there: check fold.http.url)";
            case 413 -> " (a chunk too large: lower fold.http.chunk-events or chunk-bytes)";
            default -> "";
        };
    }
}
