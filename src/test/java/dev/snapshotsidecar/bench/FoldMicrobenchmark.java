package dev.snapshotsidecar.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.snapshotsidecar.testkit.ClinicalEvents;
import dev.snapshotsidecar.clinical.PatientAggregator;
import dev.snapshotsidecar.clinical.PatientState;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.store.EventAppender.NewEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Folding 500 clinical patient events against its floor: parsing the same 500 payloads, nothing else. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FoldMicrobenchmark {
    static final ObjectMapper JSON = new ObjectMapper();
    final PatientAggregator aggregator = new PatientAggregator();
    final List<StoredEvent> events = new ArrayList<>();

    public FoldMicrobenchmark() {
        ClinicalEvents script = new ClinicalEvents("patient-7", 0, 7);
        for (int i = 0; i < 500; i++) {
            NewEvent e = script.next();
            events.add(new StoredEvent(e.streamId(), e.version(), e.eventType(), e.data(), Optional.empty(),
                    Instant.EPOCH));
        }
    }

    @Benchmark
    public void floorParse500(Blackhole hole) throws IOException {
        for (StoredEvent e : events) {
            hole.consume(JSON.readTree(e.data()));
        }
    }

    @Benchmark
    public PatientState fold500() {
        PatientState state = aggregator.initialState();
        for (StoredEvent e : events) {
            state = aggregator.apply(state, e);
        }
        return state;
    }
}
