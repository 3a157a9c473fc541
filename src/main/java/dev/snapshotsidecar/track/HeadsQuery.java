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
    private final String resultsTopic;

    /**
     * @param partitions   the tracker's partitions, among which {@code placement} finds a stream's
     * @param resultsTopic the results topic, an input of every task that holds heads
     */
    public HeadsQuery(KafkaStreams streams, HostInfo self, StreamPlacement placement, int partitions,
                      String resultsTopic) {
        this.streams = streams;
        this.self = self;
        this.placement = placement;
        this.partitions = partitions;
        this.resultsTopic = resultsTopic;
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
     * This instance's share of the rebuild of {@code aggregateType} asked for at {@code requestedAtMillis} (0:
     * whichever rebuild each task holds): one walk over the heads of each active task, on the calling thread.
     *
     * @throws TrackerUnavailableException while the stores cannot be queried (starting, rebalancing)
     */
    public RebuildProgress rebuildProgress(String aggregateType, long requestedAtMillis, long firstVersion) {
        RebuildProgress progress = RebuildProgress.none(aggregateType);
        for (int partition : localPartitions()) {
            ReadOnlyKeyValueStore<String, RebuildJob> jobs = store(TrackerNames.REBUILDS_STORE, partition);
            ReadOnlyKeyValueStore<String, StreamHead> heads = store(TrackerNames.HEADS_STORE, partition);
            progress = progress.plus(RebuildProgress.ofTask(aggregateType, requestedAtMillis, firstVersion,
                    Optional.ofNullable(jobs.get(aggregateType)), visitor -> {
                        try (KeyValueIterator<String, StreamHead> it = heads.all()) {
                            it.forEachRemaining(kv -> visitor.accept(kv.key, kv.value));
                        }
                    }));
        }
        return progress;
    }

    /** The partitions of the tracker's stores this instance holds as active tasks, in order. */
    public java.util.SortedSet<Integer> localPartitions() {
        return headsTasks(false);
    }

    /** The partitions of the tracker's stores this instance keeps standby copies of, in order. */
    public java.util.SortedSet<Integer> standbyPartitions() {
        return headsTasks(true);
    }

    private java.util.SortedSet<Integer> headsTasks(boolean standby) {
        java.util.SortedSet<Integer> partitions = new java.util.TreeSet<>();
        // the heads' tasks are the ones that read the results topic (the others parse and repartition)
        streams.metadataForLocalThreads().forEach(thread -> (standby ? thread.standbyTasks() : thread.activeTasks())
                .forEach(task -> {
                    if (task.topicPartitions().stream().anyMatch(p -> p.topic().equals(resultsTopic))) {
                        partitions.add(task.taskId().partition());
                    }
                }));
        return partitions;
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

    private <V> ReadOnlyKeyValueStore<String, V> store(String name, int partition) {
        try {
            return streams.store(StoreQueryParameters.<ReadOnlyKeyValueStore<String, V>>fromNameAndType(name,
                    QueryableStoreTypes.keyValueStore()).withPartition(partition));
        } catch (InvalidStateStoreException e) {
            throw new TrackerUnavailableException(streams.state().toString());
        }
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
