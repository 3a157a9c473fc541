package dev.snapshotsidecar.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code java -jar snapshot-sidecar-demo.jar}: the whole pipeline on an embedded stack, with a summary; its
 * {@code workload} command writes the clinical workload into a configured events table (the compose stack's writer).
 */
@Command(name = "snapshot-sidecar-demo", mixinStandardHelpOptions = true, version = "snapshot-sidecar demo 0.1.0",
        description = "Starts PostgreSQL, Kafka and Debezium in this JVM, writes clinical streams, lets the sidecar "
                + "snapshot them, and reports rehydration with and without snapshots. Exit 1 on a mismatch.",
        subcommands = WorkloadCommand.class)
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--streams", defaultValue = "200", description = "Streams to write. Defaults to ${DEFAULT-VALUE}.")
    int streams;

    @Option(names = "--events-per-stream", defaultValue = "1000",
            description = "Mean events per stream; lengths vary around it. Defaults to ${DEFAULT-VALUE}.")
    int eventsPerStream;

    @Option(names = "--timeout", defaultValue = "PT15M",
            description = "Give up waiting for snapshots after this long (ISO-8601). Defaults to ${DEFAULT-VALUE}.")
    Duration timeout;

    @Option(names = "--fold", defaultValue = "java",
            description = "How prescriptions are folded: java (the built-in aggregator), http (the Node.js reference "
                    + "host of examples/fold-host-node, run with `node`), jsonata (examples/jsonata/prescription.yaml)."
                    + " Defaults to ${DEFAULT-VALUE}.")
    String fold;

    @Option(names = "--json", description = "End standard output with the summary as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (streams < 1 || eventsPerStream < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--streams and --events-per-stream must be at least 1");
        }
        DemoFold kind;
        try {
            kind = DemoFold.valueOf(fold.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--fold must be one of java, http, jsonata");
        }
        DemoReport report = new DemoRun(streams, eventsPerStream, timeout, kind, System.err, json).run();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%n snapshot-sidecar demo%n");
        out.printf("  prescriptions folded by    %s%n", report.fold());
        out.printf("  streams                    %,d (longest %,d events)%n", report.streams(), report.longestStream());
        out.printf("  events written / ingested  %,d / %,d%n", report.eventsWritten(), report.eventsIngested());
        out.printf("  snapshots written          %,d%n", report.snapshotsWritten());
        out.printf("  streams still due          %,d%n", report.streamsStillDue());
        out.printf("  snapshots verified         %,d, mismatches %d%n", report.snapshotsVerified(),
                report.mismatches().size());
        out.printf("  rehydration p50            %.2f ms full replay, %.2f ms with snapshot%n",
                report.fullReplayP50Millis(), report.withSnapshotP50Millis());
        out.printf("  rehydration p95            %.2f ms full replay, %.2f ms with snapshot (%.1fx faster)%n",
                report.fullReplayP95Millis(), report.withSnapshotP95Millis(), report.speedup());
        out.printf("  elapsed                    %.1f s%n", report.elapsedSeconds());
        report.mismatches().forEach(m -> out.printf("  MISMATCH %s%n", m));
        if (json) {
            out.println(toJson(report));
        }
        out.flush();
        return report.ok() ? 0 : 1;
    }

    private static String toJson(DemoReport report) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode node = mapper.createObjectNode();
        node.put("fold", report.fold());
        node.put("streams", report.streams());
        node.put("eventsWritten", report.eventsWritten());
        node.put("eventsIngested", report.eventsIngested());
        node.put("snapshotsWritten", report.snapshotsWritten());
        node.put("snapshotsVerified", report.snapshotsVerified());
        node.put("mismatches", report.mismatches().size());
        node.put("streamsStillDue", report.streamsStillDue());
        node.put("fullReplayP50Millis", round(report.fullReplayP50Millis()));
        node.put("fullReplayP95Millis", round(report.fullReplayP95Millis()));
        node.put("withSnapshotP50Millis", round(report.withSnapshotP50Millis()));
        node.put("withSnapshotP95Millis", round(report.withSnapshotP95Millis()));
        node.put("speedupP95", round(report.speedup()));
        node.put("longestStream", report.longestStream());
        node.put("elapsedSeconds", round(report.elapsedSeconds()));
        return node.toString();
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new DemoCommand()).execute(args));
    }
}
