package dev.snapshotsidecar.fold.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.snapshotsidecar.fold.FoldState;
import dev.snapshotsidecar.fold.StoredEvent;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The published contract (docs/fold-protocol/) and what this sidecar sends and accepts agree. */
class FoldProtocolContractTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    @DisplayName("what the sidecar sends follows FoldRequest: from a snapshot or from none, with and without metadata")
    void requests() throws Exception {
        List<StoredEvent> events = List.of(
                new StoredEvent("prescription-1", 5, "DoseChanged", "{\"dose\":\"10\"}", Optional.empty(),
                        Instant.parse("2026-01-01T00:00:00Z")),
                new StoredEvent("prescription-1", 6, "PrescriptionPaused", "{\"reason\":\"x\"}",
                        Optional.of("{\"correlationId\":\"c-1\"}"), Instant.parse("2026-01-01T00:00:01Z")));
        JsonNode fromSnapshot = JSON.readTree(FoldProtocol.foldRequest("prescription", "prescription-1",
                Optional.of(new FoldState(4, 2, "{\"dose\":\"5\"}")), events));
        JsonNode fromNone = JSON.readTree(FoldProtocol.foldRequest("prescription", "prescription-1",
                Optional.empty(), events));
        assertThat(FoldProtocolContract.errors("FoldRequest", fromSnapshot)).isEmpty();
        assertThat(FoldProtocolContract.errors("FoldRequest", fromNone)).isEmpty();
        assertThat(fromSnapshot.at("/from/state/dose").asText()).isEqualTo("5");
        assertThat(fromSnapshot.at("/events/1/metadata/correlationId").asText()).isEqualTo("c-1");
        assertThat(fromNone.at("/events/0/metadata").isNull()).isTrue();
        assertThat(FoldProtocolContract.errors("FoldRequest", JSON.readTree("{\"protocol\":2}")))
                .as("the contract does reject what it does not describe").isNotEmpty();
    }

    @Test
    @DisplayName("the answers the sidecar accepts are those the contract describes, and it keeps the state's text as sent")
    void answers() throws Exception {
        String answer = "{\"protocol\":1,\"version\":6,\"schemaVersion\":2,\"state\": {\"dose\" : \"10\",\"n\":1.50}}";
        assertThat(FoldProtocolContract.errors("FoldResponse", JSON.readTree(answer))).isEmpty();
        FoldProtocol.Folded folded = FoldProtocol.folded(answer.getBytes());
        assertThat(folded.state()).isEqualTo("{\"dose\" : \"10\",\"n\":1.50}");
        assertThat(folded.version()).isEqualTo(6);
        String rejection = "{\"protocol\":1,\"error\":\"unknown-event-type\",\"reason\":\"no Foo\",\"version\":3}";
        assertThat(FoldProtocolContract.errors("Rejection", JSON.readTree(rejection))).isEmpty();
        assertThat(FoldProtocol.rejection(rejection.getBytes()))
                .isEqualTo(new FoldProtocol.Rejection("unknown-event-type", "no Foo", Optional.of(3L)));
        String described = "{\"protocol\":1,\"aggregateTypes\":{\"prescription\":{\"schemaVersion\":2}}}";
        assertThat(FoldProtocolContract.errors("DescribeResponse", JSON.readTree(described))).isEmpty();
        assertThat(FoldProtocol.described(described.getBytes())).containsEntry("prescription", 2);
    }

    @Test
    @DisplayName("openapi.yaml names protocol 1, both paths, and only definitions the schema file has")
    void openApi() throws Exception {
        JsonNode api = new ObjectMapper(new YAMLFactory()).readTree(FoldProtocolContract.OPENAPI.toFile());
        assertThat(api.at("/info/version").asText()).isEqualTo(Integer.toString(FoldProtocol.VERSION));
        assertThat(api.at("/components/parameters/Protocol/name").asText()).isEqualTo(FoldProtocol.HEADER);
        assertThat(api.path("paths").has(FoldProtocol.FOLD_PATH)).isTrue();
        assertThat(api.path("paths").has(FoldProtocol.DESCRIBE_PATH)).isTrue();
        List<String> refs = new ArrayList<>();
        collectRefs(api, refs);
        assertThat(refs).isNotEmpty();
        JsonNode definitions = FoldProtocolContract.schema().path("$defs");
        for (String ref : refs.stream().filter(r -> r.startsWith("fold-protocol-v1.schema.json")).toList()) {
            assertThat(definitions.has(ref.substring(ref.lastIndexOf('/') + 1))).as(ref).isTrue();
        }
        assertThat(refs).contains("fold-protocol-v1.schema.json#/$defs/FoldRequest",
                "fold-protocol-v1.schema.json#/$defs/FoldResponse", "fold-protocol-v1.schema.json#/$defs/Rejection",
                "fold-protocol-v1.schema.json#/$defs/DescribeResponse");
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            node.fields().forEachRemaining(f -> {
                if (f.getKey().equals("$ref")) {
                    refs.add(f.getValue().asText());
                } else {
                    collectRefs(f.getValue(), refs);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collectRefs(n, refs));
        }
    }
}
