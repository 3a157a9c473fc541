package dev.snapshotsidecar.pipeline;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.http.StubFoldHost;
import dev.snapshotsidecar.observe.SidecarMetrics;
import dev.snapshotsidecar.runtime.Sidecar;
import dev.snapshotsidecar.testing.EventStoreProbe;
import dev.snapshotsidecar.testing.Poll;
import dev.snapshotsidecar.testing.SharedStack;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A service deployed with a new schema version while the sidecar runs: its describe call says so, and the sidecar
 * starts the prioritised rebuild of that type by itself, through the real tracker and worker, until every stream has
 * a snapshot of the new version at its head. The fold service is a host in this JVM whose schema version the test
 * changes, as a deployment would.
 */
@ExtendWith(SharedStack.class)
class HttpFoldRebuildIT {
    static final String APP = "it-http-rebuild";

    @Test
    @DisplayName("a new schema version from the describe call rebuilds every stream of the type, with no command given")
    void describeStartsTheRebuild() throws Exception {
        EventStoreProbe probe = EventStoreProbe.get();
        Map<String, Integer> lengths = new LinkedHashMap<>();
        lengths.put("prescription-rb1", 70);
        lengths.put("prescription-rb2", 120);
        lengths.put("prescription-rb3", 55);
        try (StubFoldHost host = new StubFoldHost()) {
            Map<String, String> env = new HashMap<>(PipelineIT.topics(APP));
            env.put("SIDECAR_AGGREGATE_TYPES_PRESCRIPTION_FOLD_HTTP_URL", host.url());
            env.put("SIDECAR_AGGREGATE_TYPES_PRESCRIPTION_FOLD_HTTP_DESCRIBE_INTERVAL", "1s");
            SidecarConfig config = probe.stack.sidecarConfig(APP, env, "examples/fold-host-node/sidecar-overlay.yaml");
            try (Sidecar sidecar = Sidecar.start(config, probe.aggregators, new SidecarMetrics(), Clock.systemUTC(),
                    Duration.ofMinutes(1))) {
                Poll.until(APP + " runs", PipelineIT.DEADLINE, () -> sidecar.trackerState()
                        == org.apache.kafka.streams.KafkaStreams.State.RUNNING && sidecar.bootstrapped(),
                        () -> sidecar.trackerState().toString());
                probe.write(lengths, 33);
                Poll.until("snapshots at schema version 1", PipelineIT.DEADLINE,
                        () -> probe.due(lengths, "prescription-rb%", 50).isEmpty(),
                        () -> "due: " + probe.due(lengths, "prescription-rb%", 50));
                int callsBefore = host.foldCalls.get();
                host.schemaVersion = 2; // the service is deployed with a new form of its state
                Poll.until("every stream has a schema-2 snapshot at its last threshold", PipelineIT.DEADLINE,
                        () -> rebuilt(probe, lengths), () -> probe.rows("prescription-rb%").toString());
                assertThat(host.foldCalls.get()).isGreaterThan(callsBefore);
            }
        }
        Map<String, TreeMap<Long, EventStoreProbe.Row>> rows = probe.rows("prescription-rb%");
        lengths.forEach((id, length) -> {
            var latest = rows.get(id).lastEntry();
            assertThat(latest.getValue().schemaVersion()).as("%s", id).isEqualTo(2);
            assertThat(latest.getValue().data()).as("%s at %d: the host's fold from the first event", id,
                    latest.getKey()).isEqualTo(probe.fullReplay(id, latest.getKey()).replace("\":", "\": "));
        });
    }

    /** Whether each stream's newest snapshot is of schema version 2. */
    static boolean rebuilt(EventStoreProbe probe, Map<String, Integer> lengths) {
        Map<String, TreeMap<Long, EventStoreProbe.Row>> rows = probe.rows("prescription-rb%");
        return lengths.keySet().stream().allMatch(id -> rows.containsKey(id)
                && rows.get(id).lastEntry().getValue().schemaVersion() == 2);
    }
}
