package dev.snapshotsidecar.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.ingest.AggregateTypeResolver;
import dev.snapshotsidecar.ingest.ChangeEvent;
import dev.snapshotsidecar.ingest.ChangeEventParser;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** The change-event parser against its floor: Jackson reading the same bytes into a tree, nothing else. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ParserMicrobenchmark {
    static final ObjectMapper JSON = new ObjectMapper();
    final byte[] key = "{\"stream_id\":\"patient-42\"}".getBytes(StandardCharsets.UTF_8);
    final byte[] value = ("{\"before\":null,\"after\":{\"global_position\":1042,\"stream_id\":\"patient-42\","
            + "\"stream_version\":17,\"event_type\":\"VitalSignsRecorded\",\"created_at\":\"2026-11-28T09:00:00.000000Z\"},"
            + "\"source\":{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"eventstore\","
            + "\"ts_ms\":1796030130200,\"snapshot\":\"false\",\"db\":\"clinical\",\"schema\":\"event_store\","
            + "\"table\":\"events\",\"txId\":771,\"lsn\":24023128},\"op\":\"c\",\"ts_ms\":1796030130400,"
            + "\"transaction\":null}").getBytes(StandardCharsets.UTF_8);
    final ChangeEventParser parser = new ChangeEventParser(new SidecarConfig.Columns("global_position", "stream_id",
            "stream_version", "event_type", "event_data", "metadata", "created_at", Optional.empty()),
            new AggregateTypeResolver(List.of(new SidecarConfig.AggregateType("patient",
                    Optional.of(Pattern.compile("patient-.+")), Optional.empty(), "clinical.patient", 100))));

    @Benchmark
    public JsonNode floorJacksonTree() throws IOException {
        return JSON.readTree(value);
    }

    @Benchmark
    public ChangeEvent changeEventParser() {
        return parser.parse("eventstore.event_store.events", 0, 42, 0, key, value);
    }
}
