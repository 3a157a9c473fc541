package dev.snapshotsidecar.demo;

import dev.snapshotsidecar.testkit.ClinicalWorkload;
import dev.snapshotsidecar.testkit.DemoStack;
import dev.snapshotsidecar.runtime.Sidecar;
import dev.snapshotsidecar.build.SnapshotVerifier;
import dev.snapshotsidecar.cli.Progress;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.Aggregator;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.ingest.AggregateTypeResolver;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.SnapshottingRepository;
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
    private final PrintStream out;
    private final boolean plainLines;
    private Progress progress;

    public DemoRun(int streams, int meanEvents, Duration deadline, PrintStream progress) {
        this(streams, meanEvents, deadline, progress, false);
    }

    public DemoRun(int streams, int meanEvents, Duration deadline, PrintStream progress, boolean plainLines) {
        this.streams = streams;
        this.meanEvents = meanEvents;
        this.deadline = deadline;
        this.out = progress;
        this.plainLines = plainLines;
    }

    public DemoReport run() throws Exception {
        try (Progress shown = Progress.forCommand(out, plainLines)) {
            progress = shown;
            return runShowing();
        }
    }

    private DemoReport runShowing() throws Exception {
        long started = System.nanoTime();
        progress.note("starting PostgreSQL, a Kafka broker and Kafka Connect with Debezium in this JVM ...");
        try (DemoStack stack = DemoStack.start()) {
            SidecarConfig config = stack.sidecarConfig("snapshot-sidecar-demo", Map.of());
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
                    int due = awaitSnapshots(config, stores, aggregators, workload, writing, meters, started);
                    writer.shutdown();
                    long ingested = appended(meters);
                    Rehydration rehydration = measure(config, stores, aggregators, workload);
                    SnapshotVerifier verifier = new SnapshotVerifier(stores.snapshots(), stores.events(), aggregators,
                            Sidecar.aggregatorByType(config), config.database().firstVersion());
                    // stream by stream, so that progress shows
                    progress.phase("verifying snapshots against full replay", streams);
                    int checked = 0;
                    List<String> mismatches = new ArrayList<>();
                    for (Map.Entry<String, String> stream : streamTypes(config, workload).entrySet()) {
                        SnapshotVerifier.Report report = verifier.verify(Map.of(stream.getKey(), stream.getValue()));
                        checked += report.checked();
                        report.mismatches().forEach(m -> mismatches.add(m.streamId() + "@" + m.version() + ": "
                                + m.reason()));
                        progress.advance(1);
                    }
                    progress.finish();
                    return new DemoReport(streams, workload.written(), ingested, written(meters),
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
    private int awaitSnapshots(SidecarConfig config, DialectStores stores, AggregatorRegistry aggregators,
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
                due = streamsDue(config, stores, aggregators, workload);
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

    private int streamsDue(SidecarConfig config, DialectStores stores, AggregatorRegistry aggregators,
                           ClinicalWorkload workload) {
        Map<String, Integer> threshold = new HashMap<>();
        config.aggregateTypes().forEach(t -> threshold.put(t.name(), t.everyNEvents()));
        long first = config.database().firstVersion();
        int due = 0;
        for (Map.Entry<String, String> stream : streamTypes(config, workload).entrySet()) {
            Aggregator<?> aggregator = aggregator(config, stream.getValue(), aggregators);
            long head = first + workload.lengths().get(stream.getKey()) - 1;
            long snapshot = stores.snapshots().latest(stream.getKey(), aggregator.schemaVersion())
                    .map(StoredSnapshot::version).orElse(first - 1);
            if (head - snapshot >= threshold.get(stream.getValue())) {
                due++;
            }
        }
        return due;
    }

    private record Rehydration(Latencies full, Latencies snapshot) {
    }

    private Rehydration measure(SidecarConfig config, DialectStores stores, AggregatorRegistry aggregators,
                                ClinicalWorkload workload) {
        Map<String, String> types = streamTypes(config, workload);
        List<Double> full = new ArrayList<>();
        List<Double> withSnapshot = new ArrayList<>();
        // one pass to warm up the JIT and the database's caches, then the measured pass
        progress.phase("measuring rehydration, with and without snapshots (two passes)", 2L * types.size());
        for (int pass = 0; pass < 2; pass++) {
            for (Map.Entry<String, String> stream : types.entrySet()) {
                SnapshottingRepository<?> repository = new SnapshottingRepository<>(stores.snapshots(),
                        stores.events(), aggregator(config, stream.getValue(), aggregators),
                        config.database().firstVersion());
                long t0 = System.nanoTime();
                repository.replay(stream.getKey());
                long t1 = System.nanoTime();
                repository.load(stream.getKey());
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

    private static Aggregator<?> aggregator(SidecarConfig config, String type, AggregatorRegistry aggregators) {
        return aggregators.find(Sidecar.aggregatorByType(config).get(type)).orElseThrow();
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
