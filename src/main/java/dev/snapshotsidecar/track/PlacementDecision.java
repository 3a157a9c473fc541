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
 * flip would put every head in the wrong task. The first start records its choice in the topic
 * {@code <application-id>-placement} before the tracker starts; the first record there is what every later start,
 * and every instance starting at the same moment, goes by. A tracker that ran before the record existed is judged by
 * its topics: Kafka Streams creates the repartition topic with {@code stream-id}, and the heads' changelog with
 * either placement.
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
     * @param repartitionTopic  the name of the tracker's repartition topic
     * @param repartitionExists whether that topic exists: the tracker ran (or started to) with {@code stream-id}
     * @param headsLogged       whether the heads' changelog topic exists: the tracker ran (or started to), and its
     *                          heads are placed one way or the other
     * @param recorded          the placement recorded by the first start that had the record, if one did
     * @param recordTopic       the topic of that record
     */
    public record History(String repartitionTopic, boolean repartitionExists, boolean headsLogged,
                          Optional<Partitioning> recorded, String recordTopic) {
        public History {
            if (recorded.isPresent() && recorded.get() == Partitioning.AUTO) {
                throw new IllegalArgumentException("a recorded placement names source or stream-id");
            }
        }

        /**
         * A first start: no placement recorded and no heads placed yet (no changelog, no repartition topic). A
         * reset application (its internal topics deleted) starts first again, committed offsets or not.
         */
        public boolean firstStart() {
            return recorded.isEmpty() && !repartitionExists && !headsLogged;
        }

        /** Where the heads already are, if anywhere. */
        public Optional<Partitioning> placed() {
            if (recorded.isPresent()) {
                return recorded;
            }
            if (repartitionExists) {
                return Optional.of(Partitioning.STREAM_ID);
            }
            return headsLogged ? Optional.of(Partitioning.SOURCE) : Optional.empty();
        }

        /** Why the heads are where {@link #placed} says, for messages. */
        String evidence() {
            if (recorded.isPresent()) {
                return "topic " + recordTopic + " records " + recorded.get().configName();
            }
            return repartitionExists ? "its repartition topic " + repartitionTopic + " exists"
                    : "its heads' changelog exists and it has no repartition topic " + repartitionTopic;
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
        Optional<Partitioning> placed = history.placed();
        if (configured != Partitioning.AUTO && placed.isPresent() && placed.get() != configured) {
            throw new SidecarException("tracker.partitioning=" + configured.configName() + ", but the tracker of"
                    + " application id " + applicationId + " ran with " + placed.get().configName() + " ("
                    + history.evidence() + "): moving its heads would put every head in the wrong task. Set"
                    + " tracker.partitioning to " + placed.get().configName() + " or auto, or start over under a new"
                    + " kafka.application-id (or reset the application and delete the topic "
                    + history.recordTopic() + ")");
        }
        return switch (configured) {
            case STREAM_ID -> new PlacementDecision(Partitioning.STREAM_ID, "tracker.partitioning=stream-id"
                    + " (configured): events are re-keyed through " + history.repartitionTopic(), false);
            case SOURCE -> {
                // an empty topic is no misfit: there is nothing to misplace yet
                Optional<String> misfit = sample.flatMap(s -> s.misfit(partitions)
                        .filter(why -> s.everyTopicSampled() || s.partitionCountDiffers(partitions)));
                yield misfit.map(why -> new PlacementDecision(Partitioning.SOURCE, "tracker.partitioning=source"
                                + " (configured), but " + why + ": such events go to dead letters", true))
                        .orElseGet(() -> new PlacementDecision(Partitioning.SOURCE, "tracker.partitioning=source"
                                + " (configured): heads stay in the source partitions", false));
            }
            case AUTO -> {
                if (placed.isPresent()) {
                    yield new PlacementDecision(placed.get(), "tracker.partitioning=auto keeps "
                            + placed.get().configName() + ": " + history.evidence(), false);
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
     * The placement to start with once the record is written: {@code ours} when the record holds it, else the one
     * another instance recorded first (starting at the same moment), which {@code auto} adopts.
     *
     * @throws SidecarException when an explicit setting contradicts the recorded placement
     */
    public PlacementDecision reconcile(Partitioning configured, Partitioning recordedFirst, String recordTopic) {
        if (recordedFirst == chosen) {
            return this;
        }
        if (configured != Partitioning.AUTO) {
            throw new SidecarException("tracker.partitioning=" + configured.configName() + ", but another instance"
                    + " recorded " + recordedFirst.configName() + " in " + recordTopic + " first; every instance"
                    + " of one application id must place heads alike. Give them all the same tracker.partitioning");
        }
        return new PlacementDecision(recordedFirst, "tracker.partitioning=auto takes " + recordedFirst.configName()
                + ", which another instance starting at the same time recorded in " + recordTopic + " first (this"
                + " one had found: " + reason + ")", warning);
    }

    /**
     * What sampling the source topics found: their partition counts and, per sampled record whose stream id could be
     * read, whether it is keyed and partitioned as the connector files key it. Built record by record by the probe.
     */
    public static final class SourceSample {
        private static final int EXAMPLES = 3;
        private final Map<String, Integer> partitionsByTopic = new LinkedHashMap<>();
        private final Map<String, Long> sampledByTopic = new LinkedHashMap<>();
        private final Map<String, Long> unreadableByTopic = new LinkedHashMap<>();
        private final Map<String, String> firstUnreadable = new LinkedHashMap<>();
        private final List<String> examples = new ArrayList<>();
        private long fitting;
        private long misplaced;

        /** A source topic and its partition count; call for each before its records. */
        public SourceSample topic(String topic, int partitions) {
            partitionsByTopic.put(topic, partitions);
            sampledByTopic.putIfAbsent(topic, 0L);
            unreadableByTopic.putIfAbsent(topic, 0L);
            return this;
        }

        /** One sampled record whose stream id could not be read: no evidence of its placement, but a record. */
        public SourceSample unreadable(String topic, int partition, long offset, String problem) {
            unreadableByTopic.merge(topic, 1L, Long::sum);
            firstUnreadable.putIfAbsent(topic, topic + "-" + partition + "@" + offset + ": " + problem);
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

        /** Whether every topic has at least one record, readable or not: then waiting longer tells no more. */
        public boolean everyTopicSampled() {
            return unsampled().isEmpty();
        }

        /** The topics where no record was found yet. */
        public List<String> unsampled() {
            return sampledByTopic.keySet().stream()
                    .filter(t -> sampledByTopic.get(t) == 0 && unreadableByTopic.getOrDefault(t, 0L) == 0).toList();
        }

        /** Whether a source topic's partition count differs from {@code partitions}. */
        boolean partitionCountDiffers(int partitions) {
            return partitionsByTopic.values().stream().anyMatch(n -> n != partitions);
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
                long unreadable = unreadableByTopic.getOrDefault(topic.getKey(), 0L);
                if (topic.getValue() == 0 && unreadable > 0) {
                    return Optional.of("none of the " + unreadable + " sampled records of source topic "
                            + topic.getKey() + " could be read as a change event (" + firstUnreadable.get(
                            topic.getKey()) + "); such records go to dead letters");
                }
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
