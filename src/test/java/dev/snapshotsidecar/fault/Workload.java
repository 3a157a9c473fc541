package dev.snapshotsidecar.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The event-sourced service the sidecars watch, as a seeded writer thread: with fixed weights it appends 1-15 events
 * to a stream (next versions, one transaction, straight into PostgreSQL), re-produces an already captured change event
 * verbatim to the Debezium topic, erases a stream (deletes every event), re-creates an erased id (versions from 0
 * again, a new incarnation), or archives a stream (deletes its events below the stream's latest snapshot version, as
 * an archiving job would). Before every delete it records the oracle's chain over the rows it deletes, so snapshots
 * of archived or erased history can still be checked exactly.
 *
 * <p>The action sequence follows from the seed; what a re-produced record is depends on timing (what was captured by
 * then). A second thread reads the Debezium topic to have records to re-produce. Thread-safe: the writer mutates
 * stream states under this object's lock; {@link #streams()} copies them under it.
 */
final class Workload implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] LEDGER_EVENTS = {"Opened", "Credited", "Debited", "Noted", "Frozen", "Thawed"};
    private static final String[] CART_EVENTS = {"ItemAdded", "ItemRemoved", "Priced", "CouponApplied", "Noted"};
    private static final String[] WORDS = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"};

    private final FaultStack stack;
    private final Random random;
    private final int actionsPerSecond;
    private final Map<String, StreamState> streams = new LinkedHashMap<>();
    private final List<String> ids;
    private final Map<String, Deque<Captured>> captured = new ConcurrentHashMap<>();
    private final KafkaProducer<byte[], byte[]> producer;
    private final Thread writer;
    private final Thread capturer;
    private volatile boolean running = true;
    private volatile boolean paused;
    private volatile Throwable failure;

    final AtomicLong events = new AtomicLong();
    final AtomicLong appends = new AtomicLong();
    final AtomicLong crossings = new AtomicLong();
    final AtomicLong erasures = new AtomicLong();
    final AtomicLong recreations = new AtomicLong();
    final AtomicLong archives = new AtomicLong();
    final AtomicLong archivedEvents = new AtomicLong();
    final AtomicLong replaysSent = new AtomicLong();
    final AtomicLong replaysDelivered = new AtomicLong();
    final AtomicLong replaysFailed = new AtomicLong();
    final AtomicLong writerErrors = new AtomicLong();
    final AtomicLong capturedRecords = new AtomicLong();

    /** A change event as Debezium wrote it: bytes to re-produce verbatim. */
    private record Captured(int partition, long globalPosition, byte[] key, byte[] value) {
    }

    Workload(FaultStack stack, long seed, int streamsPerType, int actionsPerSecond) {
        this.stack = stack;
        this.random = new Random(seed);
        this.actionsPerSecond = actionsPerSecond;
        FaultSettings.THRESHOLDS.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(t -> {
            for (int i = 0; i < streamsPerType; i++) {
                String id = String.format("%s-%04d", t.getKey(), i);
                streams.put(id, new StreamState(id, t.getKey(), t.getValue()));
            }
        });
        this.ids = List.copyOf(streams.keySet());
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.broker.bootstrapServers(),
                // the writer must not stall while the broker is down: a replay that cannot be sent is counted
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000),
                new ByteArraySerializer(), new ByteArraySerializer());
        this.writer = new Thread(this::write, "fault-writer");
        this.capturer = new Thread(this::capture, "fault-capture");
    }

    void start() {
        capturer.start();
        writer.start();
    }

    /** Pauses (or resumes) the writer; once this returns with {@code true}, no action runs until resumed. */
    void pause(boolean pause) {
        paused = pause;
        synchronized (this) {
            // an action holds this lock from its check of the flag to its commit: acquiring it waits for that one
        }
    }

    /** Stops the writer after its current action and waits for it. */
    void stop() {
        running = false;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(60));
            capturer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw new IllegalStateException("the workload writer failed", failure);
        }
    }

    /** Head and threshold of every stream the workload has only appended to (never erased or archived). */
    synchronized Map<String, long[]> plainHeads() {
        Map<String, long[]> heads = new java.util.HashMap<>();
        streams.values().forEach(s -> {
            if (!s.lifecycle && !s.erased && s.head >= 0) {
                heads.put(s.id, new long[]{s.head, s.threshold});
            }
        });
        return heads;
    }

    synchronized Map<String, StreamState> streams() {
        Map<String, StreamState> copy = new LinkedHashMap<>();
        streams.forEach((id, s) -> copy.put(id, s.copy()));
        return copy;
    }

    private void write() {
        long interval = TimeUnit.SECONDS.toNanos(1) / actionsPerSecond;
        long next = System.nanoTime();
        Connection connection = null;
        try {
            while (running) {
                next += interval;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait); // pacing a load generator, not waiting for a condition
                } else if (wait < -TimeUnit.SECONDS.toNanos(1)) {
                    next = System.nanoTime(); // fell behind (a slow transaction): no burst to catch up
                }
                try {
                    if (connection == null || connection.isClosed()) {
                        connection = stack.connection();
                        connection.setAutoCommit(false);
                    }
                    act(connection);
                } catch (SQLException e) {
                    writerErrors.incrementAndGet();
                    System.out.println("workload: " + e.getClass().getSimpleName() + " (SQLSTATE " + e.getSQLState()
                            + "); the action is dropped");
                    try {
                        connection.rollback();
                    } catch (SQLException | RuntimeException ignored) {
                        connection = null;
                    }
                }
            }
        } catch (Throwable t) {
            failure = t;
            System.out.println("workload writer failed: " + t);
        } finally {
            try {
                if (connection != null) {
                    connection.close();
                }
            } catch (SQLException ignored) {
                // closing
            }
        }
    }

    /** One action, chosen by weight (per mille); one that cannot be done now appends instead. */
    private void act(Connection c) throws SQLException {
        synchronized (this) {
            if (paused) {
                return;
            }
            int roll = random.nextInt(1000);
            String id = ids.get(random.nextInt(ids.size()));
            int count = 1 + random.nextInt(15);
            if (roll < 70 && replay(id)) {
                return;
            }
            if (roll >= 970 && roll < 980 && erase(c, id)) {
                return;
            }
            if (roll >= 980 && roll < 990 && recreate(c, count)) {
                return;
            }
            if (roll >= 990 && archive(c, id)) {
                return;
            }
            StreamState s = streams.get(id);
            if (s.erased) {
                // an erased id stays erased until the re-create action picks it
                s = streams.get(ids.get(Math.floorMod(ids.indexOf(id) + 1, ids.size())));
                if (s.erased) {
                    return;
                }
            }
            append(c, s, count);
        }
    }

    private void append(Connection c, StreamState s, int count) throws SQLException {
        String[] types = "ledger".equals(s.type) ? LEDGER_EVENTS : CART_EVENTS;
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + stack.table("events")
                + " (stream_id, stream_version, event_type, event_data) VALUES (?, ?, ?, ?::jsonb)")) {
            for (int i = 1; i <= count; i++) {
                insert.setString(1, s.id);
                insert.setLong(2, s.head + i);
                insert.setString(3, types[random.nextInt(types.length)]);
                insert.setString(4, "{\"incarnation\":" + s.incarnation + ",\"seq\":" + (s.head + i) + ",\"amount\":"
                        + (random.nextInt(20_000) - 10_000) + ",\"memo\":\"" + WORDS[random.nextInt(WORDS.length)]
                        + "\"}");
                insert.addBatch();
            }
            insert.executeBatch();
        }
        c.commit();
        long before = s.head;
        s.head += count;
        s.appendedAt.put(s.head, System.currentTimeMillis());
        if (s.appendedAt.size() > 256) {
            s.appendedAt.pollFirstEntry();
        }
        events.addAndGet(count);
        appends.incrementAndGet();
        crossings.addAndGet((s.head + 1) / s.threshold - (before + 1) / s.threshold);
    }

    private boolean replay(String id) {
        StreamState s = streams.get(id);
        Deque<Captured> records = captured.get(id);
        if (s.erased || records == null) {
            return false;
        }
        List<Captured> current;
        synchronized (records) {
            current = records.stream().filter(r -> r.globalPosition > s.eraseWatermark).toList();
        }
        if (current.isEmpty()) {
            return false;
        }
        Captured r = current.get(random.nextInt(current.size()));
        replaysSent.incrementAndGet();
        try {
            producer.send(new ProducerRecord<>(FaultStack.SOURCE_TOPIC, r.partition, r.key, r.value), (m, e) -> {
                (e == null ? replaysDelivered : replaysFailed).incrementAndGet();
            });
        } catch (RuntimeException e) {
            replaysFailed.incrementAndGet(); // the broker is down: the writer goes on
        }
        return true;
    }

    private boolean erase(Connection c, String id) throws SQLException {
        StreamState s = streams.get(id);
        if (s.erased || s.head < 0) {
            return false;
        }
        Map<Long, ExpectedChain> chain = new TreeMap<>(s.archived);
        chain.putAll(foldTable(c, s, s.head));
        long watermark;
        try (PreparedStatement max = c.prepareStatement("SELECT COALESCE(MAX(global_position), 0) FROM "
                + stack.table("events")); ResultSet row = max.executeQuery()) {
            row.next();
            watermark = row.getLong(1);
        }
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + stack.table("events")
                + " WHERE stream_id = ?")) {
            delete.setString(1, id);
            delete.executeUpdate();
        }
        c.commit();
        s.lifecycleLog.add(new StreamState.Lifecycle(System.currentTimeMillis(), "erased at head " + s.head
                + " (incarnation " + s.incarnation + ")"));
        s.erasedIncarnations.add(chain);
        s.eraseWatermark = watermark;
        s.erased = true;
        s.lifecycle = true;
        s.head = -1;
        s.lowest = 0;
        s.archived = new TreeMap<>();
        s.appendedAt = new TreeMap<>();
        captured.remove(id);
        erasures.incrementAndGet();
        return true;
    }

    private boolean recreate(Connection c, int count) throws SQLException {
        List<StreamState> erased = streams.values().stream().filter(s -> s.erased).toList();
        if (erased.isEmpty()) {
            return false;
        }
        StreamState s = erased.get(random.nextInt(erased.size()));
        s.erased = false;
        s.incarnation++;
        try {
            append(c, s, count);
        } catch (SQLException e) {
            s.erased = true;
            s.incarnation--;
            throw e;
        }
        s.lifecycleLog.add(new StreamState.Lifecycle(System.currentTimeMillis(), "re-created as incarnation "
                + s.incarnation + " with " + count + " events"));
        recreations.incrementAndGet();
        return true;
    }

    /** Deletes the events below the stream's latest snapshot version in the snapshots table, if it has one. */
    private boolean archive(Connection c, String id) throws SQLException {
        StreamState s = streams.get(id);
        if (s.erased || s.head < 0) {
            return false;
        }
        long latest;
        try (PreparedStatement q = c.prepareStatement("SELECT MAX(stream_version) FROM " + stack.table("snapshots")
                + " WHERE stream_id = ?")) {
            q.setString(1, id);
            try (ResultSet row = q.executeQuery()) {
                row.next();
                latest = row.getLong(1);
                if (row.wasNull()) {
                    c.rollback();
                    return false;
                }
            }
        }
        if (latest <= s.lowest || latest > s.head) {
            c.rollback();
            return false;
        }
        Map<Long, ExpectedChain> below = foldTable(c, s, latest - 1);
        int deleted;
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + stack.table("events")
                + " WHERE stream_id = ? AND stream_version < ?")) {
            delete.setString(1, id);
            delete.setLong(2, latest);
            deleted = delete.executeUpdate();
        }
        c.commit();
        s.lifecycleLog.add(new StreamState.Lifecycle(System.currentTimeMillis(), "archived below " + latest
                + " (its latest snapshot) at head " + s.head));
        s.archived.putAll(below);
        s.lowest = latest;
        s.lifecycle = true;
        archives.incrementAndGet();
        archivedEvents.addAndGet(deleted);
        return true;
    }

    /** The chain at every version from the stream's lowest present version to {@code upTo}, read from the table. */
    private Map<Long, ExpectedChain> foldTable(Connection c, StreamState s, long upTo) throws SQLException {
        Map<Long, ExpectedChain> chain = new TreeMap<>();
        ExpectedChain state = s.boundary();
        try (PreparedStatement q = c.prepareStatement("SELECT stream_version, event_type, event_data FROM "
                + stack.table("events") + " WHERE stream_id = ? AND stream_version <= ? ORDER BY stream_version")) {
            q.setString(1, s.id);
            q.setLong(2, upTo);
            try (ResultSet row = q.executeQuery()) {
                while (row.next()) {
                    long version = row.getLong(1);
                    if (version != state.version() + 1) {
                        throw new IllegalStateException("the workload's own stream " + s.id + " has a gap at "
                                + version + " (expected " + (state.version() + 1) + "): the harness is wrong");
                    }
                    state = state.next(version, row.getString(2), row.getString(3));
                    chain.put(version, state);
                }
            }
        }
        if (state.version() != upTo) {
            throw new IllegalStateException("the workload's own stream " + s.id + " ends at " + state.version()
                    + ", not " + upTo + ": the harness is wrong");
        }
        return chain;
    }

    /** Keeps the last few inserts of each stream as Debezium wrote them, to re-produce. */
    private void capture() {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.broker.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < FaultStack.PARTITIONS; p++) {
                partitions.add(new TopicPartition(FaultStack.SOURCE_TOPIC, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    remember(r);
                }
            }
        } catch (RuntimeException e) {
            System.out.println("workload capture stopped: " + e);
        }
    }

    private void remember(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return;
        }
        try {
            JsonNode value = JSON.readTree(r.value());
            JsonNode after = value.path("after");
            if (!"c".equals(value.path("op").asText()) || !after.path("stream_id").isTextual()
                    || !after.path("global_position").canConvertToLong()) {
                return; // only inserts are re-produced: not deletes, not the garbage the test sends
            }
            long position = after.get("global_position").asLong();
            Deque<Captured> records = captured.computeIfAbsent(after.get("stream_id").asText(), k -> new ArrayDeque<>());
            synchronized (records) {
                if (records.stream().anyMatch(k -> k.globalPosition == position)) {
                    return; // a record this workload re-produced comes back: keep one copy
                }
                records.addLast(new Captured(r.partition(), position, r.key(), r.value()));
                if (records.size() > 32) {
                    records.removeFirst();
                }
            }
            capturedRecords.incrementAndGet();
        } catch (java.io.IOException e) {
            // garbage the test itself sent to the topic
        }
    }

    @Override
    public void close() {
        running = false;
        producer.close(Duration.ofSeconds(5));
    }
}
