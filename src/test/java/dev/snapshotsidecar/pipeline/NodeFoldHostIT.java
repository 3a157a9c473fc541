package dev.snapshotsidecar.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.snapshotsidecar.build.FoldReplay;
import dev.snapshotsidecar.build.Folds;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.Fold;
import dev.snapshotsidecar.fold.FoldKind;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.observe.SidecarMetrics;
import dev.snapshotsidecar.runtime.Sidecar;
import dev.snapshotsidecar.store.EventAppender.NewEvent;
import dev.snapshotsidecar.testing.EventStoreProbe;
import dev.snapshotsidecar.testing.Poll;
import dev.snapshotsidecar.testing.SharedStack;
import dev.snapshotsidecar.testkit.NodeFoldHost;
import io.micrometer.core.instrument.search.Search;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Prescriptions folded by the Node.js reference host ({@code examples/fold-host-node}), a real {@code node} process,
 * through the real pipeline: events inserted into PostgreSQL, captured by Debezium, tracked, built by the worker over
 * HTTP in chunks, with a bearer token. Every snapshot the host produced must equal full replay by the same host (and
 * agree with the Java aggregator); an event the host rejects fails that stream with the host's reason. Skipped, saying
 * why, where {@code node} is not installed.
 */
@ExtendWith(SharedStack.class)
class NodeFoldHostIT {
    static final String APP = "it-node-fold";
    static final String TOKEN = "it-token-1";
    static final ObjectMapper JSON = new ObjectMapper();
    static NodeFoldHost host;

    @BeforeAll
    static void startHost() {
        Optional<String> unavailable = NodeFoldHost.unavailableBecause();
        assumeTrue(unavailable.isEmpty(), () -> "the Node fold host cannot run here: " + unavailable.orElse(""));
        host = NodeFoldHost.start(Map.of("FOLD_HOST_TOKEN", TOKEN));
    }

    @AfterAll
    static void stopHost() {
        if (host != null) {
            host.close();
        }
    }

    static SidecarConfig config(EventStoreProbe probe) {
        Map<String, String> env = new HashMap<>(PipelineIT.topics(APP));
        env.put("SIDECAR_AGGREGATE_TYPES_PRESCRIPTION_FOLD_HTTP_URL", host.url());
        env.put("SIDECAR_AGGREGATE_TYPES_PRESCRIPTION_FOLD_HTTP_BEARER_TOKEN", TOKEN);
        env.put("SIDECAR_AGGREGATE_TYPES_PRESCRIPTION_FOLD_HTTP_CHUNK_EVENTS", "40");
        return probe.stack.sidecarConfig(APP, env, "examples/fold-host-node/sidecar-overlay.yaml");
    }

    @Test
    @DisplayName("every snapshot the Node host produced through Debezium, tracker and worker equals full replay by the same host; a rejected event fails its stream with the host's reason")
    void nodeHostThroughThePipeline() throws Exception {
        EventStoreProbe probe = EventStoreProbe.get();
        SidecarConfig config = config(probe);
        Map<String, Integer> lengths = new LinkedHashMap<>();
        lengths.put("prescription-node1", 60);
        lengths.put("prescription-node2", 131);
        lengths.put("prescription-node3", 230);
        SidecarMetrics metrics = new SidecarMetrics();
        try (Sidecar sidecar = Sidecar.start(config, probe.aggregators, metrics, Clock.systemUTC(),
                Duration.ofMinutes(1))) {
            Poll.until(APP + " runs and has read its first start's announcements", PipelineIT.DEADLINE,
                    () -> sidecar.trackerState() == org.apache.kafka.streams.KafkaStreams.State.RUNNING
                            && sidecar.bootstrapped(), () -> sidecar.trackerState().toString());
            probe.write(lengths, 12);
            // a stream whose 56th event is one the host does not know: snapshot at 49, then its builds fail
            List<NewEvent> rejected = new java.util.ArrayList<>();
            var script = new dev.snapshotsidecar.testkit.ClinicalEvents("prescription-node4", 0, 4);
            for (int i = 0; i < 55; i++) {
                rejected.add(script.next());
            }
            for (int v = 55; v < 110; v++) {
                rejected.add(new NewEvent("prescription-node4", v, "PrescriptionCloned", "{\"secret\":\"s\"}"));
            }
            probe.stores.appender().append(rejected);
            Poll.until("every stream has a snapshot less than 50 events behind", PipelineIT.DEADLINE,
                    () -> probe.due(lengths, "prescription-node%", 50).isEmpty(),
                    () -> "due: " + probe.due(lengths, "prescription-node%", 50));
            Poll.until("the stream with the rejected event failed", PipelineIT.DEADLINE,
                    () -> count(metrics, "FAILED") > 0, () -> "failed builds: " + count(metrics, "FAILED"));
        }
        Map<String, TreeMap<Long, EventStoreProbe.Row>> rows = probe.rows("prescription-node%");
        assertThat(rows.keySet()).contains("prescription-node1", "prescription-node2", "prescription-node3",
                "prescription-node4");
        assertThat(rows.get("prescription-node4").keySet()).as("nothing past the rejected event").allMatch(v -> v < 55);
        try (Folds folds = Folds.of(config, probe.aggregators)) {
            Fold node = folds.forType("prescription").orElseThrow();
            assertThat(node.kind()).isEqualTo(FoldKind.HTTP);
            int checked = 0;
            for (var stream : rows.entrySet()) {
                for (var row : stream.getValue().entrySet()) {
                    String replay = FoldReplay.fromFirst(node, probe.stores.events(), stream.getKey(), 0, row.getKey())
                            .state().orElseThrow().json();
                    assertThat(row.getValue().data()).as("%s at %d equals full replay by the same host",
                            stream.getKey(), row.getKey()).isEqualTo(replay);
                    assertThat(JSON.readTree(row.getValue().data())).as("and the Java aggregator's state")
                            .isEqualTo(JSON.readTree(probe.fullReplay(stream.getKey(), row.getKey())));
                    assertThat(row.getValue().schemaVersion()).isEqualTo(1);
                    checked++;
                }
            }
            assertThat(checked).isGreaterThanOrEqualTo(6);
            Fold.Run run = node.start("prescription-node4", Optional.empty(), 0);
            StoredEvent cloned = new StoredEvent("prescription-node4", 0, "PrescriptionCloned", "{}", Optional.empty(),
                    java.time.Instant.EPOCH);
            run.apply(cloned);
            org.assertj.core.api.Assertions.assertThatThrownBy(run::finish)
                    .hasMessageContaining("rejected by the fold service: unknown-event-type: unknown event type"
                            + " PrescriptionCloned");
        }
    }

    static long count(SidecarMetrics metrics, String outcome) {
        return Optional.ofNullable(Search.in(metrics.registry()).name("sidecar.build.results").tag("outcome", outcome)
                .counter()).map(c -> (long) c.count()).orElse(0L);
    }
}
