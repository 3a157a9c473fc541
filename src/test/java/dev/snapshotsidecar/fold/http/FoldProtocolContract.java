package dev.snapshotsidecar.fold.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The protocol's contract as the repository publishes it ({@code docs/fold-protocol/fold-protocol-v1.schema.json}),
 * for tests to check bodies against: what the sidecar sends, and what hosts answer.
 */
public final class FoldProtocolContract {
    public static final Path SCHEMA = Path.of("docs/fold-protocol/fold-protocol-v1.schema.json");
    public static final Path OPENAPI = Path.of("docs/fold-protocol/openapi.yaml");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    private FoldProtocolContract() {
    }

    public static JsonNode schema() {
        try {
            return JSON.readTree(SCHEMA.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The violations of one of the schema's definitions ({@code FoldRequest}, {@code FoldResponse}, ...). */
    public static List<String> errors(String definition, JsonNode body) {
        JsonNode schema = schema();
        if (!schema.path("$defs").has(definition)) {
            throw new IllegalArgumentException("the contract defines no " + definition);
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("$schema", schema.path("$schema").asText());
        root.set("$defs", schema.path("$defs"));
        root.put("$ref", "#/$defs/" + definition);
        Schema compiled = REGISTRY.getSchema(root);
        return compiled.validate(body).stream().map(Error::toString).toList();
    }
}
