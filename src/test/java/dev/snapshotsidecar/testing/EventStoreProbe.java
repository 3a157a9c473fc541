package dev.snapshotsidecar.testing;

import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.testkit.DemoStack;
import dev.snapshotsidecar.testkit.ClinicalEvents;
import dev.snapshotsidecar.fold.Aggregator;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.store.SnapshottingRepository;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.EventAppender.NewEvent;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared event store of the pipeline tests: {@code event_store} on the shared PostgreSQL, captured by the
 * Debezium connector of {@code connect/postgres.json}; writes clinical streams and reads snapshots back. One per
 * test JVM; each test uses stream ids of its own.
 */
public final class EventStoreProbe {
    private static EventStoreProbe instance;

    public final DemoStack stack;
    public final HikariDataSource pool;
    public final DialectStores stores;
    public final AggregatorRegistry aggregators = AggregatorRegistry.load(Optional.empty());

    private EventStoreProbe(DemoStack stack) {
        this.stack = stack;
        SidecarConfig base = stack.sidecarConfig("it-base", Map.of());
        this.pool = DialectStores.pool(base.database(), "pipeline-it");
        this.stores = DialectStores.of(base.database(), pool);
        stores.schema().createEventsTable();
        stores.schema().createSnapshotsTable();
        stack.startConnector("it-postgres");
    }

    public static synchronized EventStoreProbe get() {
        if (instance == null) {
            instance = new EventStoreProbe(SharedStack.stack());
        }
        return instance;
    }

    /** Writes the streams to their lengths, interleaved, a few events per command, many commands per transaction. */
    public void write(Map<String, Integer> lengths, long seed) {
        Random random = new Random(seed);
        Map<String, ClinicalEvents> scripts = new HashMap<>();
        Map<String, Integer> left = new LinkedHashMap<>(lengths);
        lengths.keySet().forEach(id -> scripts.put(id, new ClinicalEvents(id, 0, id.hashCode())));
        while (!left.isEmpty()) {
            List<NewEvent> transaction = new ArrayList<>();
            for (String id : List.copyOf(left.keySet())) {
                int n = Math.min(1 + random.nextInt(10), left.get(id));
                for (int i = 0; i < n; i++) {
                    transaction.add(scripts.get(id).next());
                }
                if (left.merge(id, -n, Integer::sum) == 0) {
                    left.remove(id);
                }
                if (transaction.size() >= 2000) {
                    break;
                }
            }
            stores.appender().append(transaction);
        }
    }

    /** Writes each stream from {@code written} on to its length, continuing its clinical script. */
    public void writeRest(Map<String, Integer> lengths, Map<String, Integer> written) {
        List<NewEvent> transaction = new ArrayList<>();
        for (Map.Entry<String, Integer> stream : lengths.entrySet()) {
            ClinicalEvents script = new ClinicalEvents(stream.getKey(), 0, stream.getKey().hashCode());
            for (int v = 0; v < stream.getValue(); v++) {
                NewEvent e = script.next();
                if (v >= written.get(stream.getKey())) {
                    transaction.add(e);
                }
            }
        }
        stores.appender().append(transaction);
    }

    /** One snapshot row. */
    public record Row(String data, int schemaVersion, java.sql.Timestamp createdAt) {
    }

    /** Every snapshot row of the streams whose id is LIKE the pattern: stream id to (version to row). */
    public Map<String, TreeMap<Long, Row>> rows(String likePattern) {
        Map<String, TreeMap<Long, Row>> rows = new TreeMap<>();
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT stream_id, stream_version, snapshot_data, schema_version, created_at"
                        + " FROM event_store.snapshots WHERE stream_id LIKE ?")) {
            s.setString(1, likePattern);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    rows.computeIfAbsent(r.getString(1), k -> new TreeMap<>())
                            .put(r.getLong(2), new Row(r.getString(3), r.getInt(4), r.getTimestamp(5)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }

    /** Streams whose tail after their latest snapshot is still at least the threshold. */
    public List<String> due(Map<String, Integer> lengths, String likePattern, int threshold) {
        Map<String, TreeMap<Long, Row>> rows = rows(likePattern);
        List<String> due = new ArrayList<>();
        lengths.forEach((id, length) -> {
            long latest = rows.containsKey(id) ? rows.get(id).lastKey() : -1;
            if ((length - 1) - latest >= threshold) {
                due.add(id);
            }
        });
        return due;
    }

    public String fullReplay(String streamId, long upTo) {
        String name = streamId.startsWith("patient") ? "clinical.patient" : "clinical.prescription";
        return replay(aggregators.find(name).orElseThrow(), streamId, upTo);
    }

    private <S> String replay(Aggregator<S> aggregator, String streamId, long upTo) {
        return aggregator.toJson(new SnapshottingRepository<>(stores.snapshots(), stores.events(), aggregator, 0)
                .replay(streamId, upTo).map(SnapshottingRepository.Loaded::state).orElseGet(aggregator::initialState));
    }

    public void assertEverySnapshotEqualsFullReplay(Map<String, TreeMap<Long, Row>> rows) {
        rows.forEach((id, versions) -> versions.forEach((version, row) ->
                assertThat(row.data()).as("snapshot of %s at %d equals the fold of its events 0..%d", id, version,
                        version).isEqualTo(fullReplay(id, version))));
    }

    public void execute(String sql, Object... parameters) {
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
            s.execute();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
