package dev.snapshotsidecar.clinical;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The JSON mapper of the clinical states: sorted properties, so equal states give equal text. */
final class ClinicalJson {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private ClinicalJson() {
    }

    static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("event data is not JSON", e);
        }
    }

    static String write(Object state) {
        try {
            return MAPPER.writeValueAsString(state);
        } catch (IOException e) {
            throw new UncheckedIOException("state cannot be written as JSON", e);
        }
    }

    static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException("snapshot is not a " + type.getSimpleName(), e);
        }
    }

    static String text(JsonNode data, String field) {
        JsonNode node = data.get(field);
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException("missing field " + field);
        }
        return node.asText();
    }
}
