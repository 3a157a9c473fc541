package dev.snapshotsidecar.track;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How far the tracker is behind the change events: records of the source topics (and of its repartition topic) that
 * its consumer group has not committed yet. A reconcile pass waits while it is large, since heads are behind by
 * design then (a first start, a catch-up after an outage), and a correction would only race the events on their way.
 * Thread-safe; blocks for a bounded time on the broker; {@link #close()} once.
 */
public final class TrackerLag implements AutoCloseable {
    private final Admin admin;
    private final String applicationId;
    private final List<String> topics;

    /**
     * @param settings      the tracker's topics, and whether it repartitions (then its repartition topic counts too)
     * @param applicationId the tracker's consumer group
     */
    public TrackerLag(Map<String, String> clientProperties, String bootstrapServers, TrackerSettings settings,
                      String applicationId) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        this.admin = Admin.create(props);
        this.applicationId = applicationId;
        List<String> read = new ArrayList<>(settings.sourceTopics());
        if (settings.placement().repartitions()) {
            read.add(applicationId + "-" + TrackerNames.APPENDED_BY_STREAM + "-repartition");
        }
        this.topics = List.copyOf(read);
    }

    /** Records not yet read by the tracker (a partition it never committed counts from its earliest); empty when the broker cannot say. */
    public OptionalLong behind() {
        try {
            Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames()
                    .get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            described.values().forEach(d -> d.partitions().forEach(p -> {
                TopicPartition partition = new TopicPartition(d.name(), p.partition());
                latest.put(partition, OffsetSpec.latest());
                earliest.put(partition, OffsetSpec.earliest());
            }));
            var ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
            var starts = admin.listOffsets(earliest).all().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            long behind = 0;
            for (TopicPartition partition : latest.keySet()) {
                OffsetAndMetadata position = committed.get(partition);
                long from = position == null ? starts.get(partition).offset()
                        : Math.max(position.offset(), starts.get(partition).offset());
                behind += Math.max(0, ends.get(partition).offset() - from);
            }
            return OptionalLong.of(behind);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
