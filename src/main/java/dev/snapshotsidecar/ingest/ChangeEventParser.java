package dev.snapshotsidecar.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.snapshotsidecar.config.SidecarConfig.Columns;
import dev.snapshotsidecar.config.TimestampUnit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Parses one Debezium change event of the events table. Understands:
 * <ul>
 *   <li>the PostgreSQL and the SQL Server connector envelopes ({@code before}, {@code after}, {@code source},
 *       {@code op}); their source blocks differ in the position they give;</li>
 *   <li>the JSON converter with schemas on ({@code {"schema":…,"payload":…}}) and off;</li>
 *   <li>records already flattened by {@code ExtractNewRecordState} (the row itself, with optional {@code __op} and
 *       {@code __deleted} fields);</li>
 *   <li>tombstones (null value).</li>
 * </ul>
 * Only identifying columns are read (stream id, version, type, position, time); the payload columns are never
 * touched. Immutable and thread-safe.
 */
public final class ChangeEventParser {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Instant EARLIEST = Instant.parse("1900-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    /** The largest version the tables hold: {@code stream_version} is an INT on both dialects. */
    public static final long MAX_VERSION = Integer.MAX_VALUE;

    private final Columns columns;
    private final AggregateTypeResolver resolver;
    private final TimestampUnit timestampUnit;
    private final long firstVersion;

    public ChangeEventParser(Columns columns, AggregateTypeResolver resolver) {
        this(columns, resolver, TimestampUnit.AUTO, 0);
    }

    /**
     * @param timestampUnit the unit of integer timestamps whose field has no schema name
     * @param firstVersion  the version of a stream's first event: a lower one is not an event of the table
     */
    public ChangeEventParser(Columns columns, AggregateTypeResolver resolver, TimestampUnit timestampUnit,
                             long firstVersion) {
        this.columns = columns;
        this.resolver = resolver;
        this.timestampUnit = timestampUnit;
        this.firstVersion = firstVersion;
    }

    /** A global position written as decimal digits, or -1 (a log position, or none). */
    public static long globalPosition(String position) {
        if (position.isEmpty() || position.length() > 18) {
            return -1;
        }
        for (int i = 0; i < position.length(); i++) {
            char c = position.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
        }
        return Long.parseLong(position);
    }

    /**
     * @param timestampMillis the Kafka record timestamp, used when the event carries no time of its own
     * @throws UnparseableChangeEventException when the record is not a change event of the events table
     */
    public ChangeEvent parse(String topic, int partition, long offset, long timestampMillis, byte[] key, byte[] value) {
        if (value == null || value.length == 0) {
            return new ChangeEvent.Ignored(IgnoredReason.TOMBSTONE, streamIdFromKey(key));
        }
        JsonNode root;
        try {
            root = JSON.readTree(value);
        } catch (IOException e) {
            // the parser's own message quotes the input, which may be patient data: only type and location go on
            String where = e instanceof JsonProcessingException jpe && jpe.getLocation() != null
                    ? " at line " + jpe.getLocation().getLineNr() + ", column " + jpe.getLocation().getColumnNr() : "";
            throw new UnparseableChangeEventException(topic, partition, offset, "value is not JSON ("
                    + e.getClass().getSimpleName() + where + ")");
        }
        if (root == null || !root.isObject()) {
            throw new UnparseableChangeEventException(topic, partition, offset, "value is not a JSON object");
        }
        JsonNode schema = null;
        JsonNode payload = root;
        if (root.has("payload") && root.has("schema")) {
            schema = root.get("schema");
            payload = root.get("payload");
            if (payload.isNull()) {
                return new ChangeEvent.Ignored(IgnoredReason.TOMBSTONE, streamIdFromKey(key));
            }
            if (!payload.isObject()) {
                throw new UnparseableChangeEventException(topic, partition, offset, "payload is not a JSON object");
            }
        }
        Where where = new Where(topic, partition, offset, key);
        if (payload.has("op") && (payload.has("after") || payload.has("before"))) {
            return envelope(where, timestampMillis, payload, fieldSchema(schema, "after"));
        }
        return flattened(where, timestampMillis, payload, schema);
    }

    private ChangeEvent envelope(Where where, long timestampMillis, JsonNode payload, JsonNode rowSchema) {
        String op = payload.path("op").asText();
        JsonNode source = payload.path("source");
        return switch (op) {
            case "c", "r" -> {
                JsonNode after = payload.get("after");
                if (after == null || !after.isObject()) {
                    throw where.unparseable("op " + op + " without an 'after' row");
                }
                yield appended(where, timestampMillis, after, rowSchema, source);
            }
            case "u" -> ignored(IgnoredReason.UPDATE, payload.path("after"), where);
            case "d" -> deleted(payload.path("before"), where);
            case "t" -> new ChangeEvent.Ignored(IgnoredReason.TRUNCATE, Optional.empty());
            case "m" -> new ChangeEvent.Ignored(IgnoredReason.MESSAGE, Optional.empty());
            // the value itself is not quoted: a bad record may carry anything there
            default -> throw where.unparseable("unknown op (expected one of c, r, u, d, t, m)");
        };
    }

    private ChangeEvent flattened(Where where, long timestampMillis, JsonNode row, JsonNode schema) {
        if ("true".equals(row.path("__deleted").asText())) {
            return deleted(row, where);
        }
        String op = row.path("__op").asText("c");
        return switch (op) {
            case "c", "r" -> appended(where, timestampMillis, row, schema, row.path("__source"));
            case "u" -> ignored(IgnoredReason.UPDATE, row, where);
            case "d" -> deleted(row, where);
            default -> throw where.unparseable("unknown __op (expected one of c, r, u, d)");
        };
    }

    /** The stream id from the row image, else from the record key (PostgreSQL's delete image may hold only the primary key). */
    private ChangeEvent ignored(IgnoredReason reason, JsonNode row, Where where) {
        JsonNode id = row.path(columns.streamId());
        return new ChangeEvent.Ignored(reason, id.isTextual() ? Optional.of(id.asText()) : streamIdFromKey(where.key));
    }

    /** A deleted row: its stream (from the row image, else the key) and its global position when the image has it. */
    private ChangeEvent deleted(JsonNode row, Where where) {
        JsonNode id = row.path(columns.streamId());
        Optional<String> streamId = id.isTextual() ? Optional.of(id.asText()) : streamIdFromKey(where.key);
        if (streamId.isEmpty()) {
            return new ChangeEvent.Ignored(IgnoredReason.DELETE, Optional.empty());
        }
        JsonNode global = row.path(columns.globalPosition());
        long position = global.isIntegralNumber() && global.canConvertToLong() ? global.asLong() : -1;
        return new ChangeEvent.Deleted(streamId.get(), position);
    }

    private ChangeEvent appended(Where where, long timestampMillis, JsonNode row, JsonNode rowSchema,
                                 JsonNode source) {
        JsonNode id = row.get(columns.streamId());
        if (id == null || !id.isTextual() || id.asText().isEmpty()) {
            throw where.unparseable("column '" + columns.streamId() + "' is missing or not a string");
        }
        String streamId = id.asText();
        long version = version(where, row.get(columns.streamVersion()));
        Optional<String> typeValue = columns.aggregateType().map(row::path).filter(JsonNode::isTextual)
                .map(JsonNode::asText);
        if (columns.aggregateType().isPresent() && typeValue.isEmpty()) {
            throw where.unparseable("column '" + columns.aggregateType().get() + "' is missing or not a string");
        }
        Optional<String> aggregateType = resolver.resolve(streamId, typeValue);
        if (aggregateType.isEmpty()) {
            return new ChangeEvent.Ignored(IgnoredReason.UNTRACKED_TYPE, Optional.of(streamId));
        }
        JsonNode type = row.path(columns.eventType());
        Instant committedAt = commitTime(source)
                .or(() -> timestamp(row.get(columns.createdAt()), fieldSchema(rowSchema, columns.createdAt()),
                        timestampUnit))
                .orElse(Instant.ofEpochMilli(timestampMillis));
        if (committedAt.isBefore(EARLIEST) || committedAt.isAfter(LATEST)) {
            // a time the tracker cannot count in epoch milliseconds, or that no commit can have
            throw where.unparseable("the event's time is outside years 1900 to 9999");
        }
        return new ChangeEvent.Appended(AppendedEvent.of(streamId, version, aggregateType.get(),
                type.isTextual() ? type.asText() : "", position(row, source, where), committedAt));
    }

    /**
     * The version, refused unless the tables can hold it: at least the first version, at most {@link #MAX_VERSION}
     * (a longer number is refused, never truncated).
     */
    private long version(Where where, JsonNode node) {
        long version;
        if (node != null && node.isIntegralNumber() && node.canConvertToLong()) {
            version = node.asLong();
        } else if (node != null && node.isTextual() && node.asText().matches("-?[0-9]{1,19}")) {
            try {
                version = Long.parseLong(node.asText());
            } catch (NumberFormatException e) {
                throw where.unparseable("column '" + columns.streamVersion() + "' is beyond the range of a long");
            }
        } else if (node != null && node.isIntegralNumber()) {
            throw where.unparseable("column '" + columns.streamVersion() + "' is beyond the range of a long");
        } else {
            throw where.unparseable("column '" + columns.streamVersion() + "' is missing or not an integer");
        }
        if (version < firstVersion || version > MAX_VERSION) {
            throw where.unparseable("column '" + columns.streamVersion() + "' is " + version + ", outside the "
                    + firstVersion + ".." + MAX_VERSION + " a stream's versions can take (database.first-version to"
                    + " the INT column's maximum)");
        }
        return version;
    }

    private String position(JsonNode row, JsonNode source, Where where) {
        JsonNode global = row.get(columns.globalPosition());
        if (global != null && global.isIntegralNumber() && global.canConvertToLong()) {
            return global.asText();
        }
        if (source.hasNonNull("commit_lsn")) {
            // SQL Server: commit LSN, change LSN within it, and the serial number of the event in the change
            return source.path("commit_lsn").asText() + "/" + source.path("change_lsn").asText() + "/"
                    + source.path("event_serial_no").asText();
        }
        if (source.hasNonNull("lsn")) {
            return "lsn:" + source.path("lsn").asText();
        }
        return where.topic + "-" + where.partition + "@" + where.offset;
    }

    private static Optional<Instant> commitTime(JsonNode source) {
        JsonNode ts = source.path("ts_ms");
        return ts.isIntegralNumber() ? Optional.of(Instant.ofEpochMilli(ts.asLong())) : Optional.empty();
    }

    /**
     * A timestamp column: an ISO-8601 string (PostgreSQL {@code timestamptz}, Debezium's ZonedTimestamp) or an
     * integer in the unit its schema names (SQL Server {@code datetime2}: NanoTimestamp, MicroTimestamp or
     * Timestamp). Without a schema, in the configured unit; with AUTO, read from the magnitude: beyond 10^17
     * nanoseconds, beyond 10^14 microseconds, else milliseconds (each covers 1973 to 5138 in its unit).
     */
    static Optional<Instant> timestamp(JsonNode value, JsonNode schema, TimestampUnit unit) {
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (value.isTextual()) {
            try {
                return Optional.of(OffsetDateTime.parse(value.asText()).toInstant());
            } catch (DateTimeParseException e) {
                try {
                    return Optional.of(Instant.parse(value.asText()));
                } catch (DateTimeParseException e2) {
                    return Optional.empty();
                }
            }
        }
        if (!value.isIntegralNumber()) {
            return Optional.empty();
        }
        long n = value.asLong();
        String name = schema == null ? "" : schema.path("name").asText("");
        return Optional.of(switch (name) {
            case "io.debezium.time.NanoTimestamp" -> nanos(n);
            case "io.debezium.time.MicroTimestamp" -> micros(n);
            case "io.debezium.time.Timestamp", "org.apache.kafka.connect.data.Timestamp" -> Instant.ofEpochMilli(n);
            default -> switch (unit) {
                case NANOSECONDS -> nanos(n);
                case MICROSECONDS -> micros(n);
                case MILLISECONDS -> Instant.ofEpochMilli(n);
                case AUTO -> Math.abs(n) > 100_000_000_000_000_000L ? nanos(n)
                        : Math.abs(n) > 100_000_000_000_000L ? micros(n) : Instant.ofEpochMilli(n);
            };
        });
    }

    private static Instant nanos(long n) {
        return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
    }

    private static Instant micros(long n) {
        return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000L), Math.floorMod(n, 1_000_000L) * 1000);
    }

    /** The schema of field {@code name} in a struct schema, or null. */
    private static JsonNode fieldSchema(JsonNode structSchema, String name) {
        if (structSchema == null) {
            return null;
        }
        for (JsonNode field : structSchema.path("fields")) {
            if (name.equals(field.path("field").asText())) {
                return field;
            }
        }
        return null;
    }

    private Optional<String> streamIdFromKey(byte[] key) {
        if (key == null || key.length == 0) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(key);
            if (node != null && node.has("payload") && node.has("schema")) {
                node = node.get("payload");
            }
            if (node != null && node.isTextual()) {
                return Optional.of(node.asText());
            }
            if (node != null && node.path(columns.streamId()).isTextual()) {
                return Optional.of(node.path(columns.streamId()).asText());
            }
        } catch (IOException e) {
            return Optional.of(new String(key, StandardCharsets.UTF_8));
        }
        return Optional.empty();
    }

    private record Where(String topic, int partition, long offset, byte[] key) {
        UnparseableChangeEventException unparseable(String reason) {
            return new UnparseableChangeEventException(topic, partition, offset, reason);
        }
    }
}
