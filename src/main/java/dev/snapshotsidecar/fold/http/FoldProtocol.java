package dev.snapshotsidecar.fold.http;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.snapshotsidecar.fold.FoldState;
import dev.snapshotsidecar.fold.StoredEvent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Version 1 of the HTTP fold protocol, the contract in {@code docs/fold-protocol/}: what the sidecar sends and what
 * it accepts back, nothing else. Stateless.
 *
 * <p>States, event data and metadata travel as JSON values written exactly as they are stored: the state a service
 * returns is kept byte for byte as its serializer wrote it, so what the snapshot holds is what the service reads.
 */
public final class FoldProtocol {
    /** The protocol version this sidecar speaks; in every body and in the {@link #HEADER} header. */
    public static final int VERSION = 1;
    /** Request header naming the protocol version, so a host can refuse one it does not speak before parsing. */
    public static final String HEADER = "Snapshot-Fold-Protocol";
    public static final String FOLD_PATH = "/fold";
    public static final String DESCRIBE_PATH = "/describe";
    /** The error codes of a 422 rejection that the sidecar treats specially; any other code fails the stream. */
    public static final String UNSUPPORTED_SCHEMA_VERSION = "unsupported-schema-version";

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final ObjectMapper JSON = new ObjectMapper(FACTORY);

    private FoldProtocol() {
    }

    /** A fold request's body: the stream, where it starts, and the events after it in version order. */
    public static byte[] foldRequest(String aggregateType, String streamId, Optional<FoldState> from,
                                     List<StoredEvent> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeNumberField("protocol", VERSION);
            g.writeStringField("aggregateType", aggregateType);
            g.writeStringField("streamId", streamId);
            g.writeFieldName("from");
            if (from.isPresent()) {
                g.writeStartObject();
                g.writeNumberField("version", from.get().version());
                g.writeNumberField("schemaVersion", from.get().schemaVersion());
                g.writeFieldName("state");
                g.writeRawValue(from.get().json());
                g.writeEndObject();
            } else {
                g.writeNull();
            }
            g.writeArrayFieldStart("events");
            for (StoredEvent e : events) {
                g.writeStartObject();
                g.writeNumberField("version", e.version());
                g.writeStringField("type", e.eventType());
                g.writeFieldName("data");
                g.writeRawValue(e.data());
                g.writeFieldName("metadata");
                if (e.metadata().isPresent() && !e.metadata().get().isBlank()) {
                    g.writeRawValue(e.metadata().get());
                } else {
                    g.writeNull();
                }
                g.writeStringField("createdAt", e.createdAt().toString());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** What a 200 answer to a fold call says; {@code state} is the raw JSON text of the state as the service wrote it. */
    record Folded(int protocol, long version, int schemaVersion, String state) {
    }

    /**
     * Reads a 200 answer to a fold call.
     *
     * @throws ProtocolViolation when it is not a protocol-1 fold response
     */
    static Folded folded(byte[] body) {
        Integer protocol = null;
        Long version = null;
        Integer schemaVersion = null;
        String state = null;
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ProtocolViolation("the answer is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "protocol" -> protocol = integer(p, value, field);
                    case "version" -> version = longValue(p, value, field);
                    case "schemaVersion" -> schemaVersion = integer(p, value, field);
                    case "state" -> {
                        if (value == JsonToken.VALUE_NULL) {
                            throw new ProtocolViolation("its state is null");
                        }
                        int start = (int) p.currentTokenLocation().getByteOffset();
                        p.skipChildren();
                        int end = (int) p.currentLocation().getByteOffset();
                        state = new String(body, start, end - start, StandardCharsets.UTF_8);
                    }
                    default -> p.skipChildren(); // a later minor version may add fields
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new ProtocolViolation("the answer is not one JSON object");
            }
        } catch (IOException e) {
            throw new ProtocolViolation("the answer is not JSON");
        }
        if (protocol == null || protocol != VERSION) {
            throw new ProtocolViolation("it says protocol " + protocol + ", not " + VERSION);
        }
        if (version == null || schemaVersion == null || state == null) {
            throw new ProtocolViolation("it lacks " + (version == null ? "version" : schemaVersion == null
                    ? "schemaVersion" : "state"));
        }
        if (schemaVersion < 1) {
            throw new ProtocolViolation("its schemaVersion " + schemaVersion + " is below 1");
        }
        return new Folded(protocol, version, schemaVersion, state);
    }

    /** A 422 answer: the service's error code and reason, and the version it stopped at when it says. */
    record Rejection(String error, String reason, Optional<Long> version) {
    }

    /** Reads a 422 answer; one that does not follow the protocol still rejects, with what could be read. */
    static Rejection rejection(byte[] body) {
        try {
            JsonNode node = JSON.readTree(body);
            if (node != null && node.isObject()) {
                return new Rejection(clean(node.path("error").asText("rejected"), 80),
                        clean(node.path("reason").asText(""), 500),
                        node.path("version").isIntegralNumber() ? Optional.of(node.path("version").asLong())
                                : Optional.empty());
            }
        } catch (IOException e) {
            // below
        }
        return new Rejection("rejected", "(the rejection's body is not a protocol-1 error object)", Optional.empty());
    }

    /**
     * Reads a describe answer: aggregate type to its current schema version.
     *
     * @throws ProtocolViolation when it is not a protocol-1 describe response
     */
    static Map<String, Integer> described(byte[] body) {
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (IOException e) {
            throw new ProtocolViolation("the describe answer is not JSON");
        }
        if (node == null || !node.isObject() || node.path("protocol").asInt(-1) != VERSION
                || !node.path("aggregateTypes").isObject()) {
            throw new ProtocolViolation("the describe answer is not a protocol-" + VERSION
                    + " object with aggregateTypes");
        }
        Map<String, Integer> versions = new HashMap<>();
        node.path("aggregateTypes").fields().forEachRemaining(type -> {
            JsonNode v = type.getValue().path("schemaVersion");
            if (!v.isIntegralNumber() || v.asInt() < 1) {
                throw new ProtocolViolation("the describe answer gives aggregate type " + clean(type.getKey(), 80)
                        + " no schemaVersion of at least 1");
            }
            versions.put(type.getKey(), v.asInt());
        });
        return versions;
    }

    private static int integer(JsonParser p, JsonToken value, String field) throws IOException {
        if (value != JsonToken.VALUE_NUMBER_INT) {
            throw new ProtocolViolation("its " + field + " is not an integer");
        }
        return p.getIntValue();
    }

    private static long longValue(JsonParser p, JsonToken value, String field) throws IOException {
        if (value != JsonToken.VALUE_NUMBER_INT) {
            throw new ProtocolViolation("its " + field + " is not an integer");
        }
        return p.getLongValue();
    }

    /** A service's text as a reason: one line, printable, bounded. */
    static String clean(String text, int max) {
        String line = text.replaceAll("\\p{Cntrl}", " ").strip();
        return line.length() > max ? line.substring(0, max) + "..." : line;
    }

    /** An answer that does not follow the protocol: the stream's build fails naming what is wrong with it. */
    static final class ProtocolViolation extends RuntimeException {
        ProtocolViolation(String what) {
            super(what);
        }
    }
}
