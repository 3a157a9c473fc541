package dev.snapshotsidecar.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;

/**
 * Change events shaped as Debezium documents them for the PostgreSQL and SQL Server connectors, with the JSON
 * converter's schemas on or off, and flattened by ExtractNewRecordState. Small factories instead of JSON blobs.
 */
public final class DebeziumEnvelopes {
    public static final ObjectMapper JSON = new ObjectMapper();

    public enum Connector { POSTGRES, SQLSERVER }

    private DebeziumEnvelopes() {
    }

    /** The row of an events-table insert, as the connector emits it (event_data excluded as connect/ configures). */
    public static ObjectNode row(Connector connector, String streamId, long version, String eventType) {
        ObjectNode row = JSON.createObjectNode();
        row.put("global_position", 1000 + version);
        row.put("stream_id", streamId);
        row.put("stream_version", version);
        row.put("event_type", eventType);
        if (connector == Connector.POSTGRES) {
            row.put("created_at", "2026-11-28T09:15:30.123456Z");
        } else {
            row.put("created_at", 1_796_030_130_123_456_700L); // datetime2(7) as NanoTimestamp
        }
        return row;
    }

    public static ObjectNode source(Connector connector, String snapshot) {
        ObjectNode source = JSON.createObjectNode();
        source.put("version", "3.6.1.Final");
        source.put("ts_ms", 1_796_030_130_200L);
        source.put("snapshot", snapshot);
        source.put("schema", connector == Connector.POSTGRES ? "event_store" : "event_store");
        source.put("table", "events");
        if (connector == Connector.POSTGRES) {
            source.put("connector", "postgresql");
            source.put("name", "eventstore");
            source.put("db", "clinical");
            source.put("txId", 771);
            source.put("lsn", 24_023_128L);
        } else {
            source.put("connector", "sqlserver");
            source.put("name", "eventstore");
            source.put("db", "Clinical");
            source.put("change_lsn", "00000027:00000758:0003");
            source.put("commit_lsn", "00000027:00000758:0005");
            source.put("event_serial_no", 1);
        }
        return source;
    }

    /** An envelope without schemas: op c (insert), r (initial snapshot), u, d. */
    public static ObjectNode envelope(Connector connector, String op, ObjectNode before, ObjectNode after) {
        ObjectNode envelope = JSON.createObjectNode();
        envelope.set("before", before);
        envelope.set("after", after);
        envelope.set("source", source(connector, "r".equals(op) ? "true" : "false"));
        envelope.put("op", op);
        envelope.put("ts_ms", 1_796_030_130_400L);
        envelope.putNull("transaction");
        return envelope;
    }

    /** The same envelope with the JSON converter's schemas on. */
    public static ObjectNode withSchema(Connector connector, ObjectNode envelope) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode schema = root.putObject("schema");
        schema.put("type", "struct");
        schema.put("optional", false);
        schema.put("name", "eventstore.event_store.events.Envelope");
        ArrayNode fields = schema.putArray("fields");
        fields.add(rowSchema(connector, "before"));
        fields.add(rowSchema(connector, "after"));
        fields.addObject().put("type", "struct").put("field", "source");
        fields.addObject().put("type", "string").put("field", "op");
        root.set("payload", envelope);
        return root;
    }

    public static ObjectNode rowSchema(Connector connector, String fieldName) {
        ObjectNode struct = JSON.createObjectNode();
        struct.put("type", "struct");
        struct.put("optional", true);
        struct.put("name", "eventstore.event_store.events.Value");
        struct.put("field", fieldName);
        ArrayNode fields = struct.putArray("fields");
        fields.addObject().put("type", "int64").put("field", "global_position");
        fields.addObject().put("type", "string").put("field", "stream_id");
        fields.addObject().put("type", "int32").put("field", "stream_version");
        fields.addObject().put("type", "string").put("field", "event_type");
        if (connector == Connector.POSTGRES) {
            fields.addObject().put("type", "string").put("field", "created_at")
                    .put("name", "io.debezium.time.ZonedTimestamp");
        } else {
            fields.addObject().put("type", "int64").put("field", "created_at")
                    .put("name", "io.debezium.time.NanoTimestamp");
        }
        return struct;
    }

    /** A record flattened by ExtractNewRecordState with add.fields=op and delete.handling.mode=rewrite. */
    public static ObjectNode flattened(ObjectNode row, String op) {
        ObjectNode flat = row.deepCopy();
        flat.put("__op", op);
        flat.put("__deleted", "d".equals(op) ? "true" : "false");
        return flat;
    }

    public static byte[] key(String streamId) {
        return bytes(JSON.createObjectNode().put("stream_id", streamId));
    }

    public static byte[] bytes(Object node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
