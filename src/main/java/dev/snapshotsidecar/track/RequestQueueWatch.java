package dev.snapshotsidecar.track;

import dev.snapshotsidecar.request.StreamPlacement;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Watches the snapshot worker's queue from a background thread: every {@link #INTERVAL} it samples the end offset of
 * each partition of the requests topic and the worker group's committed offsets. A partition is answered through
 * time T when the committed offset has reached the end offset sampled at T: every request written before T (less
 * {@link #MARGIN} for the tracker's transactions to commit) has been taken and its result published. Stream threads
 * read the latest verdict from memory. When the broker cannot be asked, the verdict stays where it was, so no request
 * is duplicated on a guess. Thread-safe; {@link #close()} stops the thread.
 */
public final class RequestQueueWatch implements RequestQueue, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RequestQueueWatch.class);
    static final Duration INTERVAL = Duration.ofSeconds(2);
    static final Duration MARGIN = Duration.ofSeconds(10);
    /** Samples older than this are dropped: a request pending longer is judged by the newest answered sample. */
    static final Duration HISTORY = Duration.ofMinutes(30);

    private final Admin admin;
    private final String topic;
    private final String workerGroup;
    private final int partitions;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final Map<Integer, ArrayDeque<long[]>> samples = new HashMap<>();
    private volatile long[] answeredThrough;
    private volatile boolean warned;
    private volatile long readAtMillis;

    /**
     * @param partitions the partitions requests are sent to ({@link StreamPlacement#requestPartition})
     */
    public RequestQueueWatch(Map<String, String> clientProperties, String bootstrapServers, String topic,
                             String workerGroup, int partitions, Clock clock) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        this.admin = Admin.create(props);
        this.topic = topic;
        this.workerGroup = workerGroup;
        this.partitions = partitions;
        this.clock = clock;
        this.answeredThrough = new long[partitions];
        Arrays.fill(answeredThrough, Long.MIN_VALUE);
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "request-queue-watch");
            thread.setDaemon(true);
            return thread;
        });
    }

    public void start() {
        timer.scheduleWithFixedDelay(this::refresh, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean answered(String streamId, long sentAtMillis) {
        long through = answeredThrough[StreamPlacement.requestPartition(streamId, partitions)];
        return through != Long.MIN_VALUE && through - MARGIN.toMillis() >= sentAtMillis;
    }

    void refresh() {
        long sampledAt = clock.millis(); // before asking: the end offsets read are at least those of this time
        try {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                    .get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(workerGroup)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            long[] next = answeredThrough.clone();
            for (int p = 0; p < partitions; p++) {
                TopicPartition partition = new TopicPartition(topic, p);
                ListOffsetsResult.ListOffsetsResultInfo end = ends.get(partition);
                OffsetAndMetadata position = committed.get(partition);
                next[p] = record(p, sampledAt, end == null ? Long.MAX_VALUE : end.offset(),
                        position == null ? -1 : position.offset(), next[p]);
            }
            answeredThrough = next;
            readAtMillis = sampledAt;
            if (warned) {
                LOG.info("the worker's queue on {} can be read again", topic);
            }
            warned = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException | Error e) {
            if (!warned) {
                LOG.warn("cannot read the worker's queue on {} ({}); pending requests are not asked again until it"
                        + " can be read", topic, e.getClass().getSimpleName());
                warned = true;
            }
        }
    }

    /** When the queue was last read (epoch milliseconds on the clock), or 0 before the first time. */
    public long readAtMillis() {
        return readAtMillis;
    }

    /** Adds a sample of one partition and returns the time it is answered through. */
    long record(int partition, long sampledAt, long endOffset, long committedOffset, long previous) {
        ArrayDeque<long[]> history = samples.computeIfAbsent(partition, p -> new ArrayDeque<>());
        history.addLast(new long[]{sampledAt, endOffset});
        long through = previous;
        for (Iterator<long[]> it = history.iterator(); it.hasNext(); ) {
            long[] sample = it.next();
            if (sample[1] <= committedOffset) {
                through = Math.max(through, sample[0]);
                if (history.size() > 1) {
                    it.remove(); // answered: a later sample answers at least as late
                }
            } else if (sampledAt - sample[0] > HISTORY.toMillis() && history.size() > 1) {
                it.remove();
            }
        }
        return through;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        admin.close(Duration.ofSeconds(5));
    }
}
