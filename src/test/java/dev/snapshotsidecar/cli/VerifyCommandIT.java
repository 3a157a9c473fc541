package dev.snapshotsidecar.cli;

import dev.snapshotsidecar.build.BuildLease;
import dev.snapshotsidecar.build.BuildRules;
import dev.snapshotsidecar.build.FoldingSnapshotBuilder;
import dev.snapshotsidecar.build.Folds;
import dev.snapshotsidecar.clinical.PrescriptionAggregator;
import dev.snapshotsidecar.fold.AggregatorFold;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.testkit.DemoStack;
import dev.snapshotsidecar.testing.EventStoreProbe;
import dev.snapshotsidecar.testing.SharedStack;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code verify} and {@code verify --compare-with} as a user runs them, through the real command line against the
 * shared PostgreSQL: a tampered snapshot is a MISMATCH; the JSONata example laid over the Java configuration agrees
 * with it on every stream this test wrote.
 */
@ExtendWith(SharedStack.class)
class VerifyCommandIT {
    static EventStoreProbe probe;
    @TempDir
    static Path dir;
    static Path config;

    @BeforeAll
    static void streams() throws Exception {
        probe = EventStoreProbe.get();
        DemoStack stack = probe.stack;
        // the demo's file with this stack's addresses written in, as a user's file has its own
        config = dir.resolve("sidecar.yaml");
        Files.writeString(config, DemoStack.resource("demo/sidecar.yaml")
                .replace("localhost:9092", stack.kafka().bootstrapServers())
                .replace("jdbc:postgresql://localhost:5432/postgres", stack.postgres().jdbcUrl())
                .replace("user: postgres", "user: " + stack.postgres().user())
                .replace("password: postgres", "password: " + stack.postgres().password()));
        Map<String, Integer> lengths = new LinkedHashMap<>();
        lengths.put("prescription-vfy1", 60);
        lengths.put("prescription-vfy2", 75);
        lengths.put("prescription-vfy3", 90);
        probe.write(lengths, 21);
        FoldingSnapshotBuilder builder = new FoldingSnapshotBuilder(probe.stores.snapshots(), probe.stores.events(),
                Folds.of(Map.of("prescription", new AggregatorFold<>(new PrescriptionAggregator()))),
                Map.of("prescription", new BuildRules(3, 1 << 20)), 0, Clock.systemUTC());
        for (String id : lengths.keySet()) {
            builder.build(SnapshotRequest.of(id, "prescription", 49, -1, RequestReason.MANUAL, Instant.now()),
                    BuildLease.ALWAYS);
        }
        probe.stores.snapshots().deleteAll("prescription-vfy3");
        probe.stores.snapshots().save(new StoredSnapshot("prescription-vfy3", 49, "prescription",
                "{\"status\":\"ACTIVE\"}", 1));
    }

    static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out));
        int code = commandLine.execute(args);
        return code + "\n" + out;
    }

    @Test
    @DisplayName("verify lists the tampered snapshot by its JSON path and exits 1; the others match")
    void verify() {
        String output = run("verify", "--config", config.toString());
        assertThat(output).startsWith("1\n")
                .contains("MISMATCH prescription-vfy3 at version 49: snapshot differs from full replay at $.")
                .doesNotContain("MISMATCH prescription-vfy1", "MISMATCH prescription-vfy2", "ACTIVE\"");
    }

    @Test
    @DisplayName("verify --compare-with the JSONata example folds every prescription both ways: this test's streams agree")
    void compareWithJsonata() {
        String output = run("verify", "--config", config.toString(), "--compare-with",
                Path.of("examples/jsonata/prescription.yaml").toString());
        assertThat(output).contains("comparing prescription: java (aggregator clinical.prescription) with jsonata"
                        + " (jsonata, 6 event types)")
                .containsPattern("compared \\d+ streams: \\d+ match, \\d+ differ")
                .doesNotContain("DIFFERS prescription-vfy1", "DIFFERS prescription-vfy2", "DIFFERS prescription-vfy3");
    }
}
