package dev.snapshotsidecar.observe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.snapshotsidecar.store.SnapshotStore;
import dev.snapshotsidecar.store.SnapshotStore.SnapshotInfo;
import dev.snapshotsidecar.store.StoredSnapshot;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * What the snapshots table holds, for an operator: one stream's snapshots, or the distribution of one aggregate
 * type's snapshot sizes and ages. Reads sizes and times only, never a snapshot's data (the {@code snapshots
 * --show} command reads one on an operator's explicit request). Immutable results; reading is bounded per query.
 */
public final class SnapshotInventory {
    /** Rows read per query when walking a type's snapshots. */
    static final int PAGE = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SnapshotInventory() {
    }

    /**
     * One stream's snapshots, newest first.
     *
     * @param readerSchema the schema version its type's aggregator reads, when its type is known: the newest
     *                     snapshot of it is the one readers and builds start from
     */
    public record Stream(String streamId, OptionalInt readerSchema, List<SnapshotInfo> snapshots, Instant now) {
        public Stream {
            snapshots = List.copyOf(snapshots);
        }

        /** The snapshot readers of {@link #readerSchema} read: the newest of that schema version. */
        public Optional<SnapshotInfo> read() {
            return snapshots.stream().filter(s -> readerSchema.isPresent()
                    && s.schemaVersion() == readerSchema.getAsInt()).findFirst();
        }

        public String text() {
            if (snapshots.isEmpty()) {
                return "no snapshot of " + streamId + "\n";
            }
            StringBuilder out = new StringBuilder(String.format("%s: %d snapshots%s%n", streamId, snapshots.size(),
                    readerSchema.isPresent() ? ", readers of schema " + readerSchema.getAsInt() + " read the one"
                            + " marked *" : ""));
            out.append(String.format("  %10s %7s %12s %12s  %s%n", "version", "schema", "bytes", "age",
                    "created at"));
            Optional<SnapshotInfo> read = read();
            for (SnapshotInfo s : snapshots) {
                out.append(String.format("%s %10d %7d %,12d %12s  %s%n", read.filter(s::equals).isPresent() ? "*" : " ",
                        s.version(), s.schemaVersion(), s.bytes(), age(Duration.between(s.createdAt(), now)),
                        s.createdAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
            }
            return out.toString();
        }

        public String json() {
            ObjectNode root = JSON.createObjectNode().put("streamId", streamId);
            readerSchema.ifPresent(v -> root.put("readerSchemaVersion", v));
            read().ifPresentOrElse(s -> root.put("readVersion", s.version()), () -> root.putNull("readVersion"));
            ArrayNode rows = root.putArray("snapshots");
            snapshots.forEach(s -> rows.addObject().put("version", s.version()).put("schemaVersion", s.schemaVersion())
                    .put("aggregateType", s.aggregateType()).put("bytes", s.bytes())
                    .put("ageSeconds", Duration.between(s.createdAt(), now).toSeconds())
                    .put("createdAt", s.createdAt().toString()));
            return root.toString();
        }
    }

    /**
     * One aggregate type's snapshots.
     *
     * @param bySchema      snapshots per schema version
     * @param bytes         sizes of every snapshot
     * @param latestAge     age, in seconds, of each stream's newest snapshot (how stale reads start)
     * @param perStream     snapshots kept per stream
     */
    public record Type(String type, OptionalInt readerSchema, long streams, long snapshots,
                       Map<Integer, Long> bySchema, LengthDistribution bytes, LengthDistribution latestAge,
                       LengthDistribution perStream) {
        public Type {
            bySchema = Map.copyOf(bySchema);
        }

        public String text() {
            StringBuilder out = new StringBuilder(String.format("%s: %,d snapshots of %,d streams%n", type, snapshots,
                    streams));
            if (snapshots == 0) {
                return out.toString();
            }
            out.append(String.format("  size          p50 %,d  p95 %,d  p99 %,d  max %,d bytes%n",
                    bytes.percentile(50), bytes.percentile(95), bytes.percentile(99), bytes.max()));
            out.append(String.format("  newest's age  p50 %s  p95 %s  max %s%n",
                    age(Duration.ofSeconds(latestAge.percentile(50))), age(Duration.ofSeconds(latestAge.percentile(95))),
                    age(Duration.ofSeconds(latestAge.max()))));
            out.append(String.format("  per stream    p50 %d  max %d%n", perStream.percentile(50), perStream.max()));
            new TreeMap<>(bySchema).forEach((schema, count) -> out.append(String.format("  schema %d      %,d%s%n",
                    schema, count, readerSchema.isPresent() && readerSchema.getAsInt() == schema
                            ? " (what its aggregator reads)" : "")));
            return out.toString();
        }

        public String json() {
            ObjectNode root = JSON.createObjectNode().put("aggregateType", type).put("streams", streams)
                    .put("snapshots", snapshots);
            readerSchema.ifPresent(v -> root.put("readerSchemaVersion", v));
            root.putObject("bytes").put("p50", bytes.percentile(50)).put("p95", bytes.percentile(95))
                    .put("p99", bytes.percentile(99)).put("max", bytes.max());
            root.putObject("newestAgeSeconds").put("p50", latestAge.percentile(50))
                    .put("p95", latestAge.percentile(95)).put("max", latestAge.max());
            root.putObject("perStream").put("p50", perStream.percentile(50)).put("max", perStream.max());
            ObjectNode schemas = root.putObject("bySchemaVersion");
            new TreeMap<>(bySchema).forEach((schema, count) -> schemas.put(Integer.toString(schema), count));
            return root.toString();
        }
    }

    public static Stream stream(SnapshotStore store, String streamId, OptionalInt readerSchema, Instant now) {
        return new Stream(streamId, readerSchema, store.list(streamId), now);
    }

    /** Walks the type's snapshots in keyset pages of the primary key. */
    public static Type type(SnapshotStore store, String aggregateType, OptionalInt readerSchema, Instant now) {
        List<Long> sizes = new ArrayList<>();
        List<Long> ages = new ArrayList<>();
        List<Long> counts = new ArrayList<>();
        Map<Integer, Long> bySchema = new TreeMap<>();
        String afterStream = "";
        long afterVersion = -1;
        SnapshotInfo newest = null;
        long inStream = 0;
        List<SnapshotInfo> page;
        while (!(page = store.ofType(aggregateType, afterStream, afterVersion, PAGE)).isEmpty()) {
            for (SnapshotInfo s : page) {
                if (newest != null && !newest.streamId().equals(s.streamId())) {
                    ages.add(Duration.between(newest.createdAt(), now).toSeconds());
                    counts.add(inStream);
                    inStream = 0;
                }
                newest = s; // rows come in (stream, version) order: a stream's last row is its newest
                inStream++;
                sizes.add(s.bytes());
                bySchema.merge(s.schemaVersion(), 1L, Long::sum);
            }
            SnapshotInfo last = page.get(page.size() - 1);
            afterStream = last.streamId();
            afterVersion = last.version();
        }
        if (newest != null) {
            ages.add(Duration.between(newest.createdAt(), now).toSeconds());
            counts.add(inStream);
        }
        return new Type(aggregateType, readerSchema, counts.size(), sizes.size(), bySchema, distribution(sizes),
                distribution(ages), distribution(counts));
    }

    private static LengthDistribution distribution(List<Long> values) {
        return new LengthDistribution(values.stream().mapToLong(Long::longValue).toArray());
    }

    /**
     * One snapshot, state included, as JSON: the state as a JSON value when its data is JSON, else the data as a
     * string (a corrupt snapshot is shown as it is). For an operator's explicit request only; never logged.
     */
    public static String shown(StoredSnapshot snapshot) {
        ObjectNode root = JSON.createObjectNode().put("streamId", snapshot.streamId())
                .put("version", snapshot.version()).put("schemaVersion", snapshot.schemaVersion())
                .put("aggregateType", snapshot.aggregateType());
        try {
            root.set("state", JSON.readTree(snapshot.data()));
        } catch (java.io.IOException e) {
            root.put("data", snapshot.data());
        }
        return root.toString();
    }

    /** An age as a person reads it: 42s, 17m, 5h, 3d. */
    static String age(Duration age) {
        long s = Math.max(0, age.toSeconds());
        return s < 120 ? s + "s" : s < 7200 ? s / 60 + "m" : s < 172_800 ? s / 3600 + "h" : s / 86_400 + "d";
    }
}
