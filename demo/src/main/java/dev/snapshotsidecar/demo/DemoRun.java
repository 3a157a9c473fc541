package dev.snapshotsidecar.demo;

import dev.snapshotsidecar.testkit.ClinicalWorkload;
import dev.snapshotsidecar.testkit.DemoStack;
import dev.snapshotsidecar.testkit.NodeFoldHost;
import dev.snapshotsidecar.runtime.Sidecar;
import dev.snapshotsidecar.build.FoldReplay;
import dev.snapshotsidecar.build.Folds;
import dev.snapshotsidecar.build.SnapshotVerifier;
import dev.snapshotsidecar.cli.Progress;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.Fold;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.ingest.AggregateTypeResolver;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.StoredSnapshot;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import dev.snapshotsidecar.observe.SidecarMetrics;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The demo, end to end: starts the embedded stack and the sidecar, writes the clinical workload while the sidecar
 * snapshots beside it, waits until every due snapshot is written, then measures rehydration with and without
 * snapshots and verifies every snapshot against full replay. Progress goes to {@code progress}: a line updated in
 * place on a terminal, plain lines otherwise or when {@code plainLines} (the product's {@link Progress}).
 */
public final class DemoRun {
    private final int streams;
    private final int meanEvents;
    private final Duration deadline;
    private final DemoFold fold;
    private final PrintStream out;
    private final boolean plainLines;
    private Progress progress;

    public DemoRun(int streams, int meanEvents, Duration deadline, DemoFold fold, PrintStream progress) {
        this(streams, meanEvents, deadline, fold, progress, false);
    }

    public DemoRun(int streams, int meanEvents, Duration deadline, DemoFold fold, PrintStream progress,
                   boolean plainLines) {
        this.streams = streams;
        this.meanEvents = meanEvents;
        this.deadline = deadline;
        this.fold = fold;
        this.out = progress;
        this.plainLines = plainLines;
    }

    /** The demo's configuration, with prescriptions folded the chosen way; the Node host when it is http. */
    private SidecarConfig config(DemoStack stack, Optional<NodeFoldHost> node) {
        return switch (fold) {
            case JAVA -> stack.sidecarConfig(APPLICATION, Map.of());
            case JSONATA -> stack.sidecarConfig(APPLICATION, Map.of(), "examples/jsonata/prescription.yaml");
            case HTTP -> stack.sidecarConfig(APPLICATION, Map.of("SIDECAR_AGGREGATE_TYPES_PRESCRIPTION_FOLD_HTTP_URL",
                    node.orElseThrow().url()), "examples/fold-host-node/sidecar-overlay.yaml");
        };
    }

    private static final String APPLICATION = "snapshot-sidecar-demo";

    public DemoReport run() throws Exception {
        try (Progress shown = Progress.forCommand(out, plainLines)) {
            progress = shown;
            return runShowing();
        }
    }

    private DemoReport runShowing() throws Exception {
        long started = System.nanoTime();
        progress.note("starting PostgreSQL, a Kafka broker and Kafka Connect with Debezium in this JVM ...");
        Optional<NodeFoldHost> node = Optional.empty();
        if (fold == DemoFold.HTTP) {
            NodeFoldHost.unavailableBecause().ifPresent(reason -> {
                throw new IllegalStateException("--fold http runs the Node.js reference host: " + reason);
            });
            node = Optional.of(NodeFoldHost.start(Map.of()));
            progress.note("Node.js fold host (examples/fold-host-node) listening on " + node.get().url());
        }
        try (DemoStack stack = DemoStack.start(); AutoCloseable stopNode = node.isPresent() ? node.get() : () -> { }) {
            SidecarConfig config = config(stack, node);
            AggregatorRegistry aggregators = AggregatorRegistry.load(config.pluginDirectory());
            try (var pool = DialectStores.pool(config.database(), "demo")) {
                DialectStores stores = DialectStores.of(config.database(), pool);
                stores.schema().createEventsTable();
                stores.schema().createSnapshotsTable();
                stack.startConnector("demo-postgres");
                progress.note(String.format("stack up in %.1f s; starting the sidecar", seconds(started)));
                SidecarMetrics metrics = new SidecarMetrics();
                MeterRegistry meters = metrics.registry();
                try (Sidecar sidecar = Sidecar.start(config, aggregators, metrics, Clock.systemUTC(),
                        Duration.ofMinutes(1))) {
                    ClinicalWorkload workload = new ClinicalWorkload(streams, meanEvents,
                            config.database().firstVersion(), 42);
                    progress.note(String.format("writing %,d clinical events into %d streams (mean %d, longest %d)"
                            + " while the sidecar snapshots them ...", workload.totalEvents(), streams, meanEvents,
                            workload.lengths().values().stream().mapToInt(Integer::intValue).max().orElse(0)));
                    ExecutorService writer = Executors.newSingleThreadExecutor();
                    Future<?> writing = writer.submit(() -> workload.run(stores.appender(), 2));
                    int due;
                    try (Folds watching = Folds.of(config, aggregators)) {
                        due = awaitSnapshots(config, stores, watching, workload, writing, meters, started);
                    }
                    writer.shutdown();
                    long ingested = appended(meters);
                    Rehydration rehydration;
                    try (Folds measuring = Folds.of(config, aggregators)) {
                        rehydration = measure(config, stores, measuring, workload);
                    }
                    int checked = 0;
                    List<String> mismatches = new ArrayList<>();
                    try (Folds verifying = Folds.of(config, aggregators)) {
                        SnapshotVerifier verifier = new SnapshotVerifier(stores.snapshots(), stores.events(),
                                verifying, config.database().firstVersion());
                        // stream by stream, so that progress shows
                        progress.phase("verifying snapshots against full replay", streams);
                        for (Map.Entry<String, String> stream : streamTypes(config, workload).entrySet()) {
                            SnapshotVerifier.Report report = verifier.verify(Map.of(stream.getKey(),
                                    stream.getValue()));
                            checked += report.checked();
                            report.mismatches().forEach(m -> mismatches.add(m.streamId() + "@" + m.version() + ": "
                                    + m.reason()));
                            progress.advance(1);
                        }
                        progress.finish();
                    }
                    if (fold != DemoFold.JAVA) {
                        progress.note("comparing every prescription folded by " + fold + " with the Java aggregator"
                                + " ...");
                        SidecarConfig java = stack.sidecarConfig(APPLICATION, Map.of());
                        try (Folds mine = Folds.of(config, aggregators); Folds theirs = Folds.of(java, aggregators)) {
                            new SnapshotVerifier(stores.snapshots(), stores.events(), mine,
                                    config.database().firstVersion()).compare(prescriptions(config, workload), theirs)
                                    .mismatches().forEach(m -> mismatches.add(m.streamId() + "@" + m.version()
                                            + ": " + m.reason()));
                        }
                    }
                    return new DemoReport(fold.toString(), streams, workload.written(), ingested, written(meters),
                            checked, mismatches, due, rehydration.full.percentile(50),
                            rehydration.full.percentile(95), rehydration.snapshot.percentile(50),
                            rehydration.snapshot.percentile(95),
                            workload.lengths().values().stream().mapToInt(Integer::intValue).max().orElse(0),
                            seconds(started));
                }
            }
        }
    }

    /** Waits until the workload is written and ingested and no stream is due; returns the streams still due. */
    private int awaitSnapshots(SidecarConfig config, DialectStores stores, Folds folds,
                               ClinicalWorkload workload, Future<?> writing, MeterRegistry meters, long started) throws Exception {
        long end = System.nanoTime() + deadline.toNanos();
        int due = Integer.MAX_VALUE;
        progress.phase("events ingested", workload.totalEvents());
        while (System.nanoTime() < end) {
            if (writing.isDone()) {
                writing.get(); // rethrows a failed workload
            }
            long ingested = appended(meters);
            boolean written = writing.isDone();
            if (written && ingested >= workload.totalEvents()) {
                due = streamsDue(config, stores, folds, workload);
                if (due == 0) {
                    progress.update(ingested, workload.totalEvents());
                    progress.finish();
                    progress.note(String.format("[%5.1f s] all %,d events ingested; every due snapshot written",
                            seconds(started), ingested));
                    return 0;
                }
            }
            progress.update(ingested, workload.totalEvents());
            progress.detail(String.format("written %,d, snapshots %,d%s", workload.written(), written(meters),
                    due == Integer.MAX_VALUE ? "" : ", streams due " + due));
            Thread.sleep(200);
        }
        progress.finish();
        progress.note(String.format("deadline of %s reached with %d streams still due", deadline, due));
        return due == Integer.MAX_VALUE ? streams : due;
    }

    private int streamsDue(SidecarConfig config, DialectStores stores, Folds folds,
                           ClinicalWorkload workload) {
        Map<String, Integer> threshold = new HashMap<>();
        config.aggregateTypes().forEach(t -> threshold.put(t.name(), t.everyNEvents()));
        long first = config.database().firstVersion();
        int due = 0;
        for (Map.Entry<String, String> stream : streamTypes(config, workload).entrySet()) {
            Fold fold = folds.forType(stream.getValue()).orElseThrow();
            long head = first + workload.lengths().get(stream.getKey()) - 1;
            long snapshot = stores.snapshots().latest(stream.getKey(), fold.schemaVersion())
                    .map(StoredSnapshot::version).orElse(first - 1);
            if (head - snapshot >= threshold.get(stream.getValue())) {
                due++;
            }
        }
        return due;
    }

    private record Rehydration(Latencies full, Latencies snapshot) {
    }

    private Rehydration measure(SidecarConfig config, DialectStores stores, Folds folds,
                                ClinicalWorkload workload) {
        Map<String, String> types = streamTypes(config, workload);
        List<Double> full = new ArrayList<>();
        List<Double> withSnapshot = new ArrayList<>();
        // one pass to warm up the JIT and the database's caches, then the measured pass
        progress.phase("measuring rehydration, with and without snapshots (two passes)", 2L * types.size());
        for (int pass = 0; pass < 2; pass++) {
            for (Map.Entry<String, String> stream : types.entrySet()) {
                // as the service reads: by the same fold the snapshots were made with, whatever its kind
                Fold fold = folds.forType(stream.getValue()).orElseThrow();
                long first = config.database().firstVersion();
                long t0 = System.nanoTime();
                FoldReplay.fromFirst(fold, stores.events(), stream.getKey(), first, Long.MAX_VALUE);
                long t1 = System.nanoTime();
                FoldReplay.fromLatestSnapshot(fold, stores.snapshots(), stores.events(), stream.getKey(), first);
                long t2 = System.nanoTime();
                if (pass == 1) {
                    full.add((t1 - t0) / 1e6);
                    withSnapshot.add((t2 - t1) / 1e6);
                }
                progress.advance(1);
            }
        }
        progress.finish();
        return new Rehydration(new Latencies(full.stream().mapToDouble(Double::doubleValue).toArray()),
                new Latencies(withSnapshot.stream().mapToDouble(Double::doubleValue).toArray()));
    }

    private static Map<String, String> prescriptions(SidecarConfig config, ClinicalWorkload workload) {
        Map<String, String> types = new HashMap<>(streamTypes(config, workload));
        types.values().removeIf(type -> !type.equals("prescription"));
        return types;
    }

    private static Map<String, String> streamTypes(SidecarConfig config, ClinicalWorkload workload) {
        AggregateTypeResolver resolver = new AggregateTypeResolver(config.aggregateTypes());
        Map<String, String> types = new HashMap<>();
        for (String id : workload.lengths().keySet()) {
            resolver.resolve(id, Optional.empty()).ifPresent(type -> types.put(id, type));
        }
        return types;
    }

    private static long written(MeterRegistry meters) {
        return count(meters, "sidecar.build.results", "outcome", "WRITTEN");
    }

    private static long appended(MeterRegistry meters) {
        return count(meters, "sidecar.ingest.events", "outcome", "appended");
    }

    private static long count(MeterRegistry meters, String name, String tag, String value) {
        return Optional.ofNullable(Search.in(meters).name(name).tag(tag, value).counter())
                .map(c -> (long) c.count()).orElse(0L);
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }
}
