package dev.snapshotsidecar.track;

import dev.snapshotsidecar.request.StreamPlacement;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Reads the tracker's stream heads from outside the stream threads, through Kafka Streams interactive queries:
 * which instance owns a stream, its head when this instance owns it, and a walk over the heads held here.
 * Thread-safe; called from HTTP threads.
 */
public final class HeadsQuery {
    private final KafkaStreams streams;
    private final HostInfo self;
    private final StreamPlacement placement;
    private final int partitions;

    /** @param partitions the tracker's partitions, among which {@code placement} finds a stream's */
    public HeadsQuery(KafkaStreams streams, HostInfo self, StreamPlacement placement, int partitions) {
        this.streams = streams;
        this.self = self;
        this.placement = placement;
        this.partitions = partitions;
    }

    /** Where a stream lives. */
    public sealed interface Owner {
        /** This instance holds it. */
        record Here() implements Owner {
        }

        /** Another instance, at host:port, holds it. */
        record There(String host, int port) implements Owner {
        }

        /** Nobody does right now (starting, rebalancing). */
        record Unknown() implements Owner {
        }
    }

    public Owner owner(String streamId) {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            return new Owner.Unknown();
        }
        KeyQueryMetadata metadata = streams.queryMetadataForKey(TrackerNames.HEADS_STORE, streamId,
                (topic, key, value, partitions) -> Optional.of(Set.of(placement.partition(key, partitions))));
        if (metadata == null || metadata == KeyQueryMetadata.NOT_AVAILABLE) {
            return new Owner.Unknown();
        }
        HostInfo active = metadata.activeHost();
        return active.equals(self) ? new Owner.Here() : new Owner.There(active.host(), active.port());
    }

    /**
     * The stream's head when an active task of this instance holds its partition of the heads store: empty when that
     * partition is held elsewhere (or by no one, during a rebalance), an empty head when the task has none. Asks the
     * local store alone: it needs no {@code application.server}.
     */
    public Optional<Optional<StreamHead>> held(String streamId) {
        try {
            return Optional.of(Optional.ofNullable(streams.store(StoreQueryParameters
                    .<ReadOnlyKeyValueStore<String, StreamHead>>fromNameAndType(TrackerNames.HEADS_STORE,
                            QueryableStoreTypes.keyValueStore())
                    .withPartition(placement.partition(streamId, partitions))).get(streamId)));
        } catch (InvalidStateStoreException e) {
            return Optional.empty(); // another instance's partition, or none is active here now
        }
    }

    /** The head of a stream this instance owns. */
    public Optional<StreamHead> local(String streamId) {
        return Optional.ofNullable(store().get(streamId));
    }

    /** Visits every head this instance holds (active tasks only). */
    public void forEachLocal(BiConsumer<String, StreamHead> visitor) {
        try (KeyValueIterator<String, StreamHead> it = store().all()) {
            it.forEachRemaining(kv -> visitor.accept(kv.key, kv.value));
        }
    }

    /**
     * What this instance's tasks know of each aggregate type's fold speed. Every task receives every worker's
     * reports, so they hold about the same; the most recently updated is taken. Empty while no task runs here.
     */
    public Map<String, FoldSpeed> foldSpeeds() {
        Map<String, FoldSpeed> speeds = new TreeMap<>();
        ReadOnlyKeyValueStore<String, FoldSpeed> store;
        try {
            store = streams.store(StoreQueryParameters.fromNameAndType(TrackerNames.FOLD_SPEEDS_STORE,
                    QueryableStoreTypes.keyValueStore()));
        } catch (InvalidStateStoreException e) {
            throw new TrackerUnavailableException(streams.state().toString());
        }
        try (KeyValueIterator<String, FoldSpeed> it = store.all()) {
            it.forEachRemaining(kv -> speeds.merge(kv.key, kv.value,
                    (a, b) -> a.updatedMillis() >= b.updatedMillis() ? a : b));
        }
        return speeds;
    }

    /**
     * When a reconcile pass was last asked for (the {@code reconcile} command, as this instance's tracker tasks read
     * it); empty when never, or while no task runs here.
     */
    public Optional<Long> reconcileRequestedMillis() {
        ReadOnlyKeyValueStore<String, SweepState> store;
        try {
            store = streams.store(StoreQueryParameters.fromNameAndType(TrackerNames.SWEEPS_STORE,
                    QueryableStoreTypes.keyValueStore()));
            // one entry per local task, each of which read the command at its own time: the latest counts
            Optional<Long> latest = Optional.empty();
            try (KeyValueIterator<String, SweepState> it = store.range(HeadTracker.RECONCILE_KEY,
                    HeadTracker.RECONCILE_KEY)) {
                while (it.hasNext()) {
                    long at = it.next().value.startedMillis();
                    latest = Optional.of(Math.max(at, latest.orElse(at)));
                }
            }
            return latest;
        } catch (InvalidStateStoreException e) {
            return Optional.empty();
        }
    }

    /** The other instances of this application, as host:port. */
    public List<String> others() {
        List<String> hosts = new ArrayList<>();
        streams.metadataForAllStreamsClients().forEach(m -> {
            if (!m.hostInfo().equals(self)) {
                hosts.add(m.hostInfo().host() + ":" + m.hostInfo().port());
            }
        });
        return hosts;
    }

    /** @throws TrackerUnavailableException while the store cannot be queried (starting, rebalancing) */
    private ReadOnlyKeyValueStore<String, StreamHead> store() {
        try {
            return streams.store(StoreQueryParameters.fromNameAndType(TrackerNames.HEADS_STORE,
                    QueryableStoreTypes.keyValueStore()));
        } catch (InvalidStateStoreException e) {
            throw new TrackerUnavailableException(streams.state().toString());
        }
    }

    /** The tracker's store cannot be queried right now; asking again in a few seconds helps. */
    public static final class TrackerUnavailableException extends dev.snapshotsidecar.SidecarException {
        TrackerUnavailableException(String state) {
            super("the tracker's store cannot be queried while it is " + state + "; try again in a few seconds");
        }
    }
}
