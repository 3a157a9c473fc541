package dev.snapshotsidecar.track;

import dev.snapshotsidecar.SidecarException;
import dev.snapshotsidecar.config.Partitioning;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.ingest.AggregateTypeResolver;
import dev.snapshotsidecar.ingest.ChangeEvent;
import dev.snapshotsidecar.ingest.ChangeEventParser;
import dev.snapshotsidecar.ingest.UnparseableChangeEventException;
import dev.snapshotsidecar.request.StreamPlacement;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Gathers what {@link PlacementDecision} needs, at start-up, on the starting thread: the placement recorded in
 * {@code <application-id>-placement}, whether the tracker's repartition topic and heads' changelog exist, and on a
 * first start under {@code auto} a sample of the source topics (the first and the last {@value #PER_END} records of
 * each partition, waiting for a first record while a topic is empty). Records the decision before the tracker starts
 * and logs it with its reason.
 */
public final class PlacementProbe {
    private static final Logger LOG = LoggerFactory.getLogger(PlacementProbe.class);
    /** Records read from each end of each source partition. */
    static final int PER_END = 100;

    private PlacementProbe() {
    }

    /** {@code <application-id>-appended-by-stream-repartition}: exists once the tracker ran with stream-id. */
    public static String repartitionTopic(String applicationId) {
        return applicationId + "-" + TrackerNames.APPENDED_BY_STREAM + "-repartition";
    }

    /** {@code <application-id>-stream-heads-changelog}: exists once the tracker ran, with either placement. */
    public static String headsChangelog(String applicationId) {
        return applicationId + "-" + TrackerNames.HEADS_STORE + "-changelog";
    }

    /**
     * {@code <application-id>-placement}: one partition, kept forever; its first record is the placement every
     * start of the application id goes by.
     */
    public static String recordTopic(String applicationId) {
        return applicationId + "-placement";
    }

    /**
     * Resolves {@code tracker.partitioning} for a start of the tracker; the source topics exist (after
     * {@link TopicSetup#ensure}).
     *
     * @param giveUpAfter how long to wait for a first change event when every source partition is empty; then
     *                    {@code auto} takes stream-id
     * @param waiting     told what is waited for, for the readiness probe
     * @throws SidecarException when an explicit setting contradicts how the tracker already ran
     */
    public static PlacementDecision resolve(SidecarConfig config, Duration giveUpAfter, Consumer<String> waiting) {
        Partitioning configured = config.tracker().partitioning();
        PlacementDecision.History history = history(config);
        // only auto waits for a first change event; an explicit source samples what is there, to warn of a misfit
        Optional<PlacementDecision.SourceSample> sample = PlacementDecision.needsSample(configured, history)
                ? Optional.of(sample(config, configured == Partitioning.AUTO ? giveUpAfter : Duration.ZERO,
                waiting)) : Optional.empty();
        PlacementDecision decision = PlacementDecision.decide(configured, history, config.topics().partitions(),
                config.kafka().applicationId(), sample);
        if (history.recorded().isEmpty()) {
            // before anything is placed: instances starting at once all go by the first record
            decision = decision.reconcile(configured, record(config, decision.chosen()),
                    recordTopic(config.kafka().applicationId()));
        }
        if (decision.warning()) {
            LOG.warn("{}", decision.reason());
        } else {
            LOG.info("{}", decision.reason());
        }
        return decision;
    }

    /** For tools that address a running tracker: resolves {@code auto} from its history alone, without sampling. */
    public static Partitioning ofRunningTracker(SidecarConfig config) {
        Partitioning configured = config.tracker().partitioning();
        if (configured != Partitioning.AUTO) {
            return configured;
        }
        PlacementDecision.History history = history(config);
        if (history.firstStart()) {
            throw new SidecarException("the tracker of application id " + config.kafka().applicationId()
                    + " has not run yet: nothing to address");
        }
        return PlacementDecision.decide(configured, history, config.topics().partitions(),
                config.kafka().applicationId(), Optional.empty()).chosen();
    }

    /** The recorded placement, and whether the tracker's repartition topic and heads' changelog exist. */
    public static PlacementDecision.History history(SidecarConfig config) {
        String app = config.kafka().applicationId();
        try (Admin admin = Admin.create(clientProperties(config))) {
            java.util.Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            Optional<Partitioning> recorded = topics.contains(recordTopic(app)) ? firstRecord(config)
                    : Optional.empty();
            return new PlacementDecision.History(repartitionTopic(app), topics.contains(repartitionTopic(app)),
                    topics.contains(headsChangelog(app)), recorded, recordTopic(app));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SidecarException("interrupted while reading the tracker's history", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new SidecarException("cannot read the tracker's topics on " + config.kafka().bootstrapServers()
                    + ": " + e, e);
        }
    }

    /**
     * Records {@code chosen} unless a placement is recorded already, and returns the first record: ours, or that of
     * an instance that wrote first.
     */
    static Partitioning record(SidecarConfig config, Partitioning chosen) {
        String topic = recordTopic(config.kafka().applicationId());
        Properties props = clientProperties(config);
        try (Admin admin = Admin.create(props)) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, Optional.of(1),
                        Optional.of((short) config.kafka().replicationFactor())).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.RETENTION_MS_CONFIG, "-1", TopicConfig.RETENTION_BYTES_CONFIG, "-1"))))
                        .all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            Optional<Partitioning> first = firstRecord(config);
            if (first.isPresent()) {
                return first.get();
            }
            Properties producerProps = clientProperties(config);
            producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
            producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps, new StringSerializer(),
                    new StringSerializer())) {
                producer.send(new ProducerRecord<>(topic, 0, "tracker.partitioning", chosen.configName()))
                        .get(30, TimeUnit.SECONDS);
            }
            return firstRecord(config).orElseThrow(() -> new SidecarException("the placement written to " + topic
                    + " cannot be read back"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SidecarException("interrupted while recording the tracker's placement", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new SidecarException("cannot record the tracker's placement in " + topic + " on "
                    + config.kafka().bootstrapServers() + ": " + e, e);
        }
    }

    /** The first record of the placement topic, if it has one; a value this version does not know fails. */
    private static Optional<Partitioning> firstRecord(SidecarConfig config) {
        String topic = recordTopic(config.kafka().applicationId());
        TopicPartition only = new TopicPartition(topic, 0);
        Properties props = clientProperties(config);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(only));
            long begin = consumer.beginningOffsets(List.of(only), Duration.ofSeconds(30)).get(only);
            long end = consumer.endOffsets(List.of(only), Duration.ofSeconds(30)).get(only);
            if (end <= begin) {
                return Optional.empty();
            }
            consumer.seek(only, begin);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String value = r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8);
                    for (Partitioning p : Partitioning.values()) {
                        if (p != Partitioning.AUTO && p.configName().equals(value)) {
                            return Optional.of(p);
                        }
                    }
                    throw new SidecarException("the first record of " + topic + " (offset " + r.offset()
                            + ") names no placement this version knows (" + value.length() + " characters; it knows"
                            + " source and stream-id): was it written by a newer version?");
                }
            }
            throw new SidecarException("the first record of " + topic + " could not be read within 30 s");
        }
    }

    static PlacementDecision.SourceSample sample(SidecarConfig config, Duration giveUpAfter, Consumer<String> waiting) {
        int partitions = config.topics().partitions();
        StreamPlacement.BySourceKey placement = new StreamPlacement.BySourceKey(config.database().columns().streamId());
        ChangeEventParser parser = new ChangeEventParser(config.database().columns(),
                new AggregateTypeResolver(config.aggregateTypes()), config.ingest().timestampUnit(),
                config.database().firstVersion());
        Properties props = clientProperties(config);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, PER_END);
        long deadline = System.nanoTime() + giveUpAfter.toNanos();
        long wait = 500;
        try (Admin admin = Admin.create(clientProperties(config));
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                     new ByteArrayDeserializer())) {
            Map<String, TopicDescription> topics = admin.describeTopics(config.topics().source()).allTopicNames()
                    .get(30, TimeUnit.SECONDS);
            while (true) {
                PlacementDecision.SourceSample sample = new PlacementDecision.SourceSample();
                List<TopicPartition> all = new ArrayList<>();
                for (String topic : config.topics().source()) {
                    int count = topics.get(topic).partitions().size();
                    sample.topic(topic, count);
                    for (int p = 0; p < count; p++) {
                        all.add(new TopicPartition(topic, p));
                    }
                }
                if (topics.values().stream().anyMatch(t -> t.partitions().size() != partitions)) {
                    return sample; // the partition count decides it, whatever the records say
                }
                read(consumer, all, parser, placement, partitions, sample);
                if (sample.everyTopicSampled() || System.nanoTime() > deadline) {
                    return sample;
                }
                String what = "a first change event in " + String.join(", ", sample.unsampled())
                        + " to choose where tracker.partitioning=auto keeps heads";
                LOG.info("waiting for {}; next check in {} ms", what, wait);
                waiting.accept(what);
                Thread.sleep(wait);
                wait = Math.min(wait * 2, TopicSetup.MAX_RECHECK.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SidecarException("interrupted while sampling the source topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new SidecarException("cannot describe the source topics on " + config.kafka().bootstrapServers()
                    + ": " + e, e);
        }
    }

    /** Reads the first and last {@link #PER_END} records of every partition into the sample. */
    private static void read(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> all, ChangeEventParser parser,
                             StreamPlacement.BySourceKey placement, int partitions,
                             PlacementDecision.SourceSample sample) {
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(all, Duration.ofSeconds(30));
        Map<TopicPartition, Long> end = consumer.endOffsets(all, Duration.ofSeconds(30));
        // ranges [from, to) to read, per partition: the head, and the tail where it does not overlap the head
        Map<TopicPartition, List<long[]>> ranges = new HashMap<>();
        for (TopicPartition tp : all) {
            long from = begin.get(tp);
            long to = end.get(tp);
            if (to <= from) {
                continue;
            }
            long headEnd = Math.min(to, from + PER_END);
            List<long[]> list = new ArrayList<>();
            list.add(new long[]{from, headEnd});
            if (to > headEnd) {
                list.add(new long[]{Math.max(headEnd, to - PER_END), to});
            }
            ranges.put(tp, list);
        }
        for (Map.Entry<TopicPartition, List<long[]>> partition : ranges.entrySet()) {
            TopicPartition tp = partition.getKey();
            consumer.assign(List.of(tp));
            for (long[] range : partition.getValue()) {
                consumer.seek(tp, range[0]);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (consumer.position(tp) < range[1] && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        if (r.offset() >= range[1]) {
                            break;
                        }
                        try {
                            streamId(parser, r).ifPresent(id -> sample.record(r.topic(), r.partition(), r.offset(),
                                    id, r.key(), placement.key(id), placement.partition(id, partitions)));
                        } catch (UnparseableChangeEventException e) {
                            sample.unreadable(r.topic(), r.partition(), r.offset(), e.reason());
                        }
                    }
                }
            }
        }
        consumer.assign(List.of());
    }

    /**
     * The stream a change event belongs to; empty for one that names none (a tombstone, another operation).
     *
     * @throws UnparseableChangeEventException for a record that is no change event the parser can read
     */
    private static Optional<String> streamId(ChangeEventParser parser, ConsumerRecord<byte[], byte[]> r) {
        ChangeEvent event = parser.parse(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value());
        if (event instanceof ChangeEvent.Appended appended) {
            return Optional.of(appended.event().streamId());
        } else if (event instanceof ChangeEvent.Deleted deleted) {
            return Optional.of(deleted.streamId());
        } else if (event instanceof ChangeEvent.Ignored ignored) {
            return ignored.streamId();
        }
        return Optional.empty();
    }

    private static Properties clientProperties(SidecarConfig config) {
        Properties props = new Properties();
        props.putAll(config.kafka().properties());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
        return props;
    }
}
