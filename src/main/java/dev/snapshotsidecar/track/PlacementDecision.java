package dev.snapshotsidecar.track;

import dev.snapshotsidecar.SidecarException;
import dev.snapshotsidecar.config.Partitioning;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the tracker keeps its heads for this start: {@code tracker.partitioning} resolved against what the
 * application id's tracker did before and, on its first start under {@code auto}, against a sample of the source
 * topics. Pure: {@link PlacementProbe} gathers the facts. Immutable.
 *
 * <p>The choice never flips once the tracker has run: the heads' changelog partitions follow the placement, so a
 * flip would put every head in the wrong task. Kafka Streams creates the repartition topic on the first start with
 * {@code stream-id} and a tracker that ran with {@code source} has none, which is what later starts go by.
 *
 * @param chosen  {@code source} or {@code stream-id}, never {@code auto}
 * @param reason  why, for the start-up log
 * @param warning whether the reason is worth a warning (an explicit {@code source} over a sample that does not fit)
 */
public record PlacementDecision(Partitioning chosen, String reason, boolean warning) {

    public PlacementDecision {
        if (chosen == Partitioning.AUTO) {
            throw new IllegalArgumentException("a decision names source or stream-id");
        }
    }

    /**
     * What the application id's tracker did before this start.
     *
     * @param offsetsCommitted  the tracker's consumer group has committed offsets (it is not a first start)
     * @param repartitionTopic  the name of the tracker's repartition topic
     * @param repartitionExists whether that topic exists: the tracker ran (or started to) with {@code stream-id}
     */
    public record History(boolean offsetsCommitted, String repartitionTopic, boolean repartitionExists) {
        /** A first start: nothing committed and no repartition topic left by an earlier attempt. */
        public boolean firstStart() {
            return !offsetsCommitted && !repartitionExists;
        }
    }

    /** Whether the decision needs a sample of the source topics (the probe reads one only then). */
    public static boolean needsSample(Partitioning configured, History history) {
        return configured != Partitioning.STREAM_ID && history.firstStart();
    }

    /**
     * @param configured    {@code tracker.partitioning}
     * @param history       what the tracker did before
     * @param partitions    {@code topics.partitions}
     * @param applicationId for messages
     * @param sample        the source topics' sample, present when {@link #needsSample} said so
     * @throws SidecarException when an explicit setting contradicts how the tracker already ran
     */
    public static PlacementDecision decide(Partitioning configured, History history, int partitions,
                                           String applicationId, Optional<SourceSample> sample) {
        return switch (configured) {
            case STREAM_ID -> {
                if (history.offsetsCommitted() && !history.repartitionExists()) {
                    throw new SidecarException("tracker.partitioning=stream-id, but the tracker of application id "
                            + applicationId + " ran with its heads in the source partitions (it has committed offsets"
                            + " and no repartition topic " + history.repartitionTopic() + "): moving them would put"
                            + " every head in the wrong task. Set tracker.partitioning to source or auto, or start"
                            + " over under a new kafka.application-id");
                }
                yield new PlacementDecision(Partitioning.STREAM_ID, "tracker.partitioning=stream-id (configured):"
                        + " events are re-keyed through " + history.repartitionTopic(), false);
            }
            case SOURCE -> {
                if (history.repartitionExists()) {
                    throw new SidecarException("tracker.partitioning=source, but the tracker of application id "
                            + applicationId + " ran with stream-id: its repartition topic " + history.repartitionTopic()
                            + " exists and its heads are placed by the stream id; moving them would put every head in"
                            + " the wrong task. Set tracker.partitioning to stream-id or auto, or start over under a"
                            + " new kafka.application-id (or reset the application, which deletes that topic)");
                }
                Optional<String> misfit = sample.flatMap(s -> s.misfit(partitions));
                yield misfit.map(why -> new PlacementDecision(Partitioning.SOURCE, "tracker.partitioning=source"
                                + " (configured), but " + why + ": such events go to dead letters", true))
                        .orElseGet(() -> new PlacementDecision(Partitioning.SOURCE, "tracker.partitioning=source"
                                + " (configured): heads stay in the source partitions", false));
            }
            case AUTO -> {
                if (history.repartitionExists()) {
                    yield new PlacementDecision(Partitioning.STREAM_ID, "tracker.partitioning=auto keeps stream-id:"
                            + " the tracker's repartition topic " + history.repartitionTopic() + " exists, so its"
                            + " heads are placed by the stream id", false);
                }
                if (history.offsetsCommitted()) {
                    yield new PlacementDecision(Partitioning.SOURCE, "tracker.partitioning=auto keeps source: the"
                            + " tracker has committed offsets and no repartition topic, so its heads are in the source"
                            + " partitions", false);
                }
                SourceSample found = sample.orElseThrow(() -> new IllegalArgumentException(
                        "a first start under auto needs a sample of the source topics"));
                yield found.misfit(partitions)
                        .map(why -> new PlacementDecision(Partitioning.STREAM_ID, "tracker.partitioning=auto chose"
                                + " stream-id on this first start: " + why + "; events are re-keyed through "
                                + history.repartitionTopic() + " (heads would stay in the source partitions, saving"
                                + " the broker a write and a read per event, if the source were keyed by the stream"
                                + " id alone as connect/*.json key it, with topics.partitions partitions)", false))
                        .orElseGet(() -> new PlacementDecision(Partitioning.SOURCE, "tracker.partitioning=auto"
                                + " chose source on this first start: " + found.describe(partitions)
                                + "; heads stay in the source partitions, no repartition topic", false));
            }
        };
    }

    /**
     * What sampling the source topics found: their partition counts and, per sampled record whose stream id could be
     * read, whether it is keyed and partitioned as the connector files key it. Built record by record by the probe.
     */
    public static final class SourceSample {
        private static final int EXAMPLES = 3;
        private final Map<String, Integer> partitionsByTopic = new LinkedHashMap<>();
        private final Map<String, Long> sampledByTopic = new LinkedHashMap<>();
        private final List<String> examples = new ArrayList<>();
        private long fitting;
        private long misplaced;

        /** A source topic and its partition count; call for each before its records. */
        public SourceSample topic(String topic, int partitions) {
            partitionsByTopic.put(topic, partitions);
            sampledByTopic.putIfAbsent(topic, 0L);
            return this;
        }

        /**
         * One sampled record of a stream.
         *
         * @param key          the record's key as read
         * @param expectedKey  the key the connector files give the stream ({@code StreamPlacement.BySourceKey.key})
         * @param expected     the partition that key gives among {@code topics.partitions}
         */
        public SourceSample record(String topic, int partition, long offset, String streamId, byte[] key,
                                   byte[] expectedKey, int expected) {
            sampledByTopic.merge(topic, 1L, Long::sum);
            if (!java.util.Arrays.equals(key, expectedKey)) {
                misplaced(topic + "-" + partition + "@" + offset + " (stream " + streamId + ") is keyed "
                        + (key == null ? "null" : "differently (" + key.length + " bytes)")
                        + ", not by the stream id alone");
            } else if (partition != expected) {
                misplaced(topic + "-" + partition + "@" + offset + " (stream " + streamId + ") lies in partition "
                        + partition + ", its key's partition is " + expected);
            } else {
                fitting++;
            }
            return this;
        }

        private void misplaced(String example) {
            misplaced++;
            if (examples.size() < EXAMPLES) {
                examples.add(example);
            }
        }

        /** Records sampled that fit. */
        public long fitting() {
            return fitting;
        }

        /** Records sampled that do not fit. */
        public long misplaced() {
            return misplaced;
        }

        /** Whether every topic has at least one record whose stream id could be read. */
        public boolean everyTopicSampled() {
            return sampledByTopic.values().stream().allMatch(n -> n > 0);
        }

        /** Why the source does not fit the source placement over {@code partitions}, if it does not. */
        Optional<String> misfit(int partitions) {
            for (Map.Entry<String, Integer> topic : partitionsByTopic.entrySet()) {
                if (topic.getValue() != partitions) {
                    return Optional.of("source topic " + topic.getKey() + " has " + topic.getValue()
                            + " partitions, topics.partitions is " + partitions);
                }
            }
            if (misplaced > 0) {
                return Optional.of(misplaced + " of " + (misplaced + fitting()) + " sampled change events are not"
                        + " where the stream id alone puts them (" + String.join("; ", examples) + ")");
            }
            for (Map.Entry<String, Long> topic : sampledByTopic.entrySet()) {
                if (topic.getValue() == 0) {
                    return Optional.of("source topic " + topic.getKey() + " had no change event to sample");
                }
            }
            if (partitionsByTopic.isEmpty()) {
                return Optional.of("no source topic was sampled");
            }
            return Optional.empty();
        }

        String describe(int partitions) {
            return "all " + fitting() + " sampled change events (the first and last of each partition of "
                    + String.join(", ", partitionsByTopic.keySet()) + ") are keyed by the stream id alone and lie in"
                    + " their key's partition among " + partitions;
        }
    }
}
