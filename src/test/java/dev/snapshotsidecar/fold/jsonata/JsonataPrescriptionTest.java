package dev.snapshotsidecar.fold.jsonata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.snapshotsidecar.build.Folds;
import dev.snapshotsidecar.clinical.PrescriptionAggregator;
import dev.snapshotsidecar.clinical.PrescriptionState;
import dev.snapshotsidecar.config.ConfigLoader;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.fold.Fold;
import dev.snapshotsidecar.fold.FoldKind;
import dev.snapshotsidecar.fold.FoldState;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.store.EventAppender.NewEvent;
import dev.snapshotsidecar.testkit.ClinicalWorkload;
import dev.snapshotsidecar.testkit.DemoStack;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** The shipped JSONata example against the built-in Java prescription aggregator. */
class JsonataPrescriptionTest {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The demo's workload: {@code DemoRun} writes {@code new ClinicalWorkload(streams, meanEvents, 0, 42)}. */
    static final ClinicalWorkload DEMO = new ClinicalWorkload(200, 1000, 0, 42);

    static Fold exampleFold() {
        SidecarConfig config = ConfigLoader.parse(DemoStack.resource("demo/sidecar.yaml"),
                Optional.of(DemoStack.resource("examples/jsonata/prescription.yaml")), Map.of(),
                dir -> AggregatorRegistry.load(dir).names());
        Fold fold = Folds.of(config, AggregatorRegistry.load(Optional.empty())).forType("prescription").orElseThrow();
        assertThat(fold.kind()).isEqualTo(FoldKind.JSONATA);
        return fold;
    }

    static StoredEvent stored(NewEvent e) {
        return new StoredEvent(e.streamId(), e.version(), e.eventType(), e.data(), Optional.empty(), Instant.EPOCH);
    }

    static JsonNode tree(String json) throws Exception {
        return JSON.readTree(json);
    }

    @Test
    @DisplayName("the JSONata example gives the Java aggregator's state after every event of the demo's prescriptions")
    void agreesEventForEvent() throws Exception {
        Fold jsonata = exampleFold();
        PrescriptionAggregator java = new PrescriptionAggregator();
        int streams = 0;
        long events = 0;
        for (String id : DEMO.lengths().keySet().stream().filter(id -> id.startsWith("prescription-")).sorted()
                .toList()) {
            PrescriptionState expected = java.initialState();
            FoldState state = jsonata.start(id, Optional.empty(), 0).finish();
            assertThat(tree(state.json())).isEqualTo(tree(java.toJson(expected)));
            Fold.Run whole = jsonata.start(id, Optional.empty(), 0);
            for (NewEvent e : DEMO.script(id)) {
                StoredEvent event = stored(e);
                expected = java.apply(expected, event);
                // each event folded onto the previous state as a snapshot holds it, and the stream in one run
                Fold.Run step = jsonata.start(id, Optional.of(state), 0);
                step.apply(event);
                state = step.finish();
                whole.apply(event);
                assertThat(tree(state.json())).as("%s after version %d (%s)", id, e.version(), e.eventType())
                        .isEqualTo(tree(java.toJson(expected)));
                events++;
            }
            assertThat(state.version()).isEqualTo(DEMO.lengths().get(id) - 1);
            assertThat(tree(whole.finish().json())).as("%s folded in one run", id)
                    .isEqualTo(tree(java.toJson(expected)));
            streams++;
        }
        assertThat(streams).isEqualTo(80);
        assertThat(events).isGreaterThan(50_000);
    }

    @Test
    @DisplayName("folds on several threads at once give what one thread gives (compiled expressions are shared)")
    void threadSafe() throws Exception {
        Fold jsonata = exampleFold();
        List<String> ids = DEMO.lengths().keySet().stream().filter(id -> id.startsWith("prescription-")).sorted()
                .limit(24).toList();
        PrescriptionAggregator java = new PrescriptionAggregator();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (String id : ids) {
                results.add(pool.submit(() -> {
                    Fold.Run run = jsonata.start(id, Optional.empty(), 0);
                    PrescriptionState expected = java.initialState();
                    for (NewEvent e : DEMO.script(id)) {
                        run.apply(stored(e));
                        expected = java.apply(expected, stored(e));
                    }
                    return tree(run.finish().json()).equals(tree(java.toJson(expected)));
                }));
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
