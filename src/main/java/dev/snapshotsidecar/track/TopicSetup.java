package dev.snapshotsidecar.track;

import dev.snapshotsidecar.SidecarException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Before the topology starts: creates the sidecar's own topics when missing, checks that the results topic is
 * co-partitioned with the tracker's repartition topic, and waits for the Debezium source topics, which the connector
 * creates with its first change event. Kafka being unreachable, or a source topic missing, is waited out with
 * backoff capped at {@link #MAX_RECHECK} and a log line, not a crash. Runs on the starting thread.
 */
public final class TopicSetup {
    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);
    /**
     * Longest wait between two checks: an empty events table can keep the source topic away for hours, and once
     * its first event arrives the tracker should follow within seconds.
     */
    public static final Duration MAX_RECHECK = Duration.ofSeconds(5);

    private TopicSetup() {
    }

    /**
     * @param giveUpAfter how long to wait for Kafka and the source topics before failing
     * @param waiting     told what is waited for (e.g. "source topic x: Debezium creates it with the first change
     *                    event"), before each wait; for the readiness probe
     */
    public static void ensure(Map<String, String> clientProperties, String bootstrapServers, TrackerSettings settings,
                              int replicationFactor, Duration giveUpAfter, Consumer<String> waiting) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        long deadline = System.nanoTime() + giveUpAfter.toNanos();
        long wait = 500;
        try (Admin admin = Admin.create(props)) {
            while (true) {
                String waitingFor;
                try {
                    List<String> missing = attempt(admin, settings, replicationFactor);
                    if (missing.isEmpty()) {
                        return;
                    }
                    waitingFor = missing.size() == 1
                            ? "source topic " + missing.get(0) + ": Debezium creates it with the first change event"
                            + " (is topics.source its topic?)"
                            : "source topics " + String.join(", ", missing) + ": Debezium creates each with the"
                            + " first change event of its table (is topics.source right?)";
                } catch (TimeoutException e) {
                    waitingFor = "Kafka at " + bootstrapServers + " (no answer in 30 s)";
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof RetriableException)) {
                        throw new SidecarException("cannot prepare topics on " + bootstrapServers + ": "
                                + e.getCause(), e);
                    }
                    waitingFor = "Kafka at " + bootstrapServers + " (" + e.getCause().getClass().getSimpleName() + ")";
                }
                if (System.nanoTime() > deadline) {
                    throw new SidecarException("gave up after " + giveUpAfter + " waiting for " + waitingFor);
                }
                LOG.info("waiting for {}; next check in {} ms", waitingFor, wait);
                waiting.accept(waitingFor);
                Thread.sleep(wait);
                wait = Math.min(wait * 2, MAX_RECHECK.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SidecarException("interrupted while preparing topics", e);
        }
    }

    /** Whether the tracker has never committed anything: a first start, when existing snapshots are bootstrapped. */
    public static boolean firstStart(Map<String, String> clientProperties, String bootstrapServers,
                                     String applicationId) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(props)) {
            return admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS).isEmpty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SidecarException("interrupted while reading the tracker's offsets", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new SidecarException("cannot read the tracker's offsets on " + bootstrapServers + ": " + e, e);
        }
    }

    /** One round; returns the source topics still missing. */
    private static List<String> attempt(Admin admin, TrackerSettings settings, int replicationFactor)
            throws ExecutionException, InterruptedException, TimeoutException {
        Optional<Short> rf = replicationFactor < 0 ? Optional.empty() : Optional.of((short) replicationFactor);
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<NewTopic> wanted = new ArrayList<>();
        for (String topic : List.of(settings.requestsTopic(), settings.resultsTopic(), settings.deadLettersTopic(),
                settings.commandsTopic())) {
            if (!existing.contains(topic)) {
                wanted.add(new NewTopic(topic, Optional.of(settings.partitions()), rf));
            }
        }
        for (NewTopic topic : wanted) {
            try {
                admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
                LOG.info("created topic {} with {} partitions", topic.name(), settings.partitions());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        for (String copartitioned : List.of(settings.resultsTopic(), settings.commandsTopic())) {
            TopicDescription topic = admin.describeTopics(List.of(copartitioned)).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get(copartitioned);
            if (topic.partitions().size() != settings.partitions()) {
                throw new SidecarException("topic " + copartitioned + " has " + topic.partitions().size()
                        + " partitions but topics.partitions is " + settings.partitions()
                        + ": they must be equal so its records meet the stream heads; set topics.partitions to "
                        + topic.partitions().size());
            }
        }
        // requests go to partitions chosen from the stream id among topics.partitions: partitions added to the topic
        // stay unused, fewer would leave streams nowhere to go
        TopicDescription requests = admin.describeTopics(List.of(settings.requestsTopic())).allTopicNames()
                .get(30, TimeUnit.SECONDS).get(settings.requestsTopic());
        if (requests.partitions().size() < settings.partitions()) {
            throw new SidecarException("topic " + settings.requestsTopic() + " has " + requests.partitions().size()
                    + " partitions but topics.partitions is " + settings.partitions() + ": it needs at least as many;"
                    + " add partitions to it or set topics.partitions to " + requests.partitions().size());
        }
        List<String> missing = settings.sourceTopics().stream().filter(t -> !existing.contains(t)).toList();
        if (missing.isEmpty() && !settings.placement().repartitions()) {
            for (TopicDescription topic : admin.describeTopics(settings.sourceTopics()).allTopicNames()
                    .get(30, TimeUnit.SECONDS).values()) {
                if (topic.partitions().size() != settings.partitions()) {
                    throw new SidecarException("source topic " + topic.name() + " has " + topic.partitions().size()
                            + " partitions but topics.partitions is " + settings.partitions()
                            + ": with tracker.partitioning=source they must be equal, as heads stay in the source"
                            + " partitions; set topics.partitions to " + topic.partitions().size()
                            + " (on a new application id), or use tracker.partitioning=stream-id");
                }
            }
        }
        return missing;
    }
}
