package dev.snapshotsidecar.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.snapshotsidecar.build.BuildLease;
import dev.snapshotsidecar.build.BuildRules;
import dev.snapshotsidecar.build.FoldingSnapshotBuilder;
import dev.snapshotsidecar.build.Folds;
import dev.snapshotsidecar.config.ConfigLoader;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.fold.Fold;
import dev.snapshotsidecar.fold.FoldState;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.fold.http.FoldProtocol;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.testkit.DemoStack;
import dev.snapshotsidecar.testkit.NodeFoldHost;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A build from a 500-event tail through each fold kind (the Java aggregator, the JSONata example, the Node reference
 * host over HTTP on the loopback) against the build benchmark's floor: reading and JSON-parsing the same 500 events.
 * Kinds take turns stream by stream, so each sees the same moments of a noisy machine. Then where a kind's time goes:
 * its fold alone over the same 500 events in memory, cut into its parts.
 */
final class FoldKindBenchmark {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> KINDS = List.of("java", "jsonata", "http");

    private FoldKindBenchmark() {
    }

    static void run(DialectStores stores, ObjectNode results, StringBuilder table) throws Exception {
        int warmUp = Integer.getInteger("bench.folds.warm-up", 20);
        int measured = Integer.getInteger("bench.folds.streams", 40);
        int streams = warmUp + measured;
        Optional<String> noNode = NodeFoldHost.unavailableBecause();
        List<String> kinds = noNode.isEmpty() ? KINDS : KINDS.subList(0, 2);
        try (NodeFoldHost host = noNode.isEmpty() ? NodeFoldHost.start(Map.of()) : null) {
            Map<String, Fold> folds = new LinkedHashMap<>();
            List<AutoCloseable> closing = new ArrayList<>();
            for (String kind : kinds) {
                Folds made = Folds.of(config(kind, host), AggregatorRegistry.load(Optional.empty()));
                closing.add(made);
                folds.put(kind, made.forType("prescription").orElseThrow());
            }
            Map<String, FoldingSnapshotBuilder> builders = new LinkedHashMap<>();
            folds.forEach((kind, fold) -> builders.put(kind, new FoldingSnapshotBuilder(stores.snapshots(),
                    stores.events(), Folds.of(Map.of("prescription", fold)),
                    Map.of("prescription", new BuildRules(3, 16L << 20)), 0, Clock.systemUTC())));
            for (int i = 0; i < streams; i++) {
                for (String kind : kinds) {
                    SidecarBench.write(stores, id(kind, i), 1000);
                    assertThat(builders.get(kind).build(request(id(kind, i), 499), BuildLease.ALWAYS).outcome()
                            .name()).isEqualTo("WRITTEN");
                }
            }
            List<Double> floor = new ArrayList<>();
            Map<String, List<Double>> builds = new LinkedHashMap<>();
            kinds.forEach(k -> builds.put(k, new ArrayList<>()));
            for (int i = 0; i < streams; i++) {
                for (String kind : kinds) {
                    String id = id(kind, i);
                    long t0 = System.nanoTime();
                    long[] count = {0};
                    stores.events().read(id, 500, 999, (StoredEvent e) -> {
                        try {
                            JSON.readTree(e.data());
                        } catch (IOException ex) {
                            throw new IllegalStateException(ex);
                        }
                        count[0]++;
                    });
                    long t1 = System.nanoTime();
                    var result = builders.get(kind).build(request(id, 999), BuildLease.ALWAYS);
                    long t2 = System.nanoTime();
                    assertThat(count[0]).isEqualTo(500);
                    assertThat(result.outcome().name()).as("%s: %s", kind, result.detail()).isEqualTo("WRITTEN");
                    if (i >= warmUp) {
                        floor.add((t1 - t0) / 1e6);
                        builds.get(kind).add((t2 - t1) / 1e6);
                    }
                }
            }
            BenchStats f = BenchStats.ofMillis(floor);
            ObjectNode node = results.putObject("foldKinds");
            f.into(node, "floor");
            node.put("builds", measured);
            noNode.ifPresent(reason -> node.put("httpSkipped", reason));
            table.append("\n### Fold kinds: a build from a 500-event tail through each kind vs reading and parsing those"
                            + " 500 events\n\n")
                    .append("| | p50 ms | p95 ms | vs floor (p50) | vs java (p50) |\n|---|---|---|---|---|\n")
                    .append(String.format("| floor: read + parse 500 events | %.2f | %.2f | | |%n", f.p(50), f.p(95)));
            double java = BenchStats.ofMillis(builds.get("java")).p(50);
            builds.forEach((kind, times) -> {
                BenchStats b = BenchStats.ofMillis(times);
                b.into(node, kind);
                node.put(kind + "VsFloor", BenchStats.round(b.p(50) / f.p(50)));
                node.put(kind + "VsJava", BenchStats.round(b.p(50) / java));
                table.append(String.format("| build, %s fold | %.2f | %.2f | %.2fx | %.2fx |%n", label(kind), b.p(50),
                        b.p(95), b.p(50) / f.p(50), b.p(50) / java));
            });
            noNode.ifPresent(reason -> table.append("| build, HTTP fold | skipped: ").append(reason)
                    .append(" | | | |\n"));
            whereTimeGoes(stores, folds, Optional.ofNullable(host), node, table);
            for (AutoCloseable c : closing) {
                c.close();
            }
        }
    }

    /** Each kind's fold alone over one stream's 500 events, in memory, cut into parts; medians of 200 runs. */
    private static void whereTimeGoes(DialectStores stores, Map<String, Fold> folds, Optional<NodeFoldHost> host,
                                      ObjectNode results, StringBuilder table) throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .executor(java.util.concurrent.Executors.newFixedThreadPool(2)).build();
        String id = id("java", 0);
        List<StoredEvent> events = new ArrayList<>();
        stores.events().read(id, 500, 999, events::add);
        StoredSnapshot start = stores.snapshots().latest(id, 1).orElseThrow();
        FoldState from = new FoldState(499, 1, start.data());
        Map<String, List<Double>> parts = new LinkedHashMap<>();
        for (int round = 0; round < 300; round++) {
            boolean measure = round >= 100;
            for (Map.Entry<String, Fold> kind : folds.entrySet()) {
                long t0 = System.nanoTime();
                Fold.Run run = kind.getValue().start(id, Optional.of(from), 0);
                events.forEach(run::apply);
                run.finish();
                long t1 = System.nanoTime();
                if (measure) {
                    parts.computeIfAbsent(label(kind.getKey()) + ": fold of 500 events, in memory",
                            k -> new ArrayList<>()).add((t1 - t0) / 1e6);
                }
            }
            long t0 = System.nanoTime();
            for (StoredEvent e : events) {
                JSON.readValue(e.data(), Object.class);
            }
            long t1 = System.nanoTime();
            byte[] request = FoldProtocol.foldRequest("prescription", id, Optional.of(from), events);
            long t2 = System.nanoTime();
            JSON.readTree(request);
            long t3 = System.nanoTime();
            long t4 = t3;
            double serverMillis = 0;
            if (host.isPresent()) {
                java.net.http.HttpResponse<byte[]> answer = client.send(java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create(host.get().url() + "/fold"))
                        .header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(request)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofByteArray());
                t4 = System.nanoTime();
                serverMillis = Double.parseDouble(answer.headers().firstValue("Server-Timing").orElseThrow()
                        .replaceAll(".*dur=", ""));
            }
            if (measure && host.isPresent()) {
                parts.computeIfAbsent("HTTP part: the call's round trip (JDK client, loopback, host)",
                        k -> new ArrayList<>()).add((t4 - t3) / 1e6);
                parts.computeIfAbsent("HTTP part: the host's own work in it (parse, fold, write; Server-Timing)",
                        k -> new ArrayList<>()).add(serverMillis);
            }
            if (measure) {
                parts.computeIfAbsent("JSONata part: parsing 500 payloads into maps", k -> new ArrayList<>())
                        .add((t1 - t0) / 1e6);
                parts.computeIfAbsent("HTTP part: writing the request (" + request.length / 1024 + " KiB)",
                        k -> new ArrayList<>()).add((t2 - t1) / 1e6);
                parts.computeIfAbsent("HTTP part: parsing it once (what the host does at least)",
                        k -> new ArrayList<>()).add((t3 - t2) / 1e6);
            }
        }
        ObjectNode node = results.putObject("foldPartsP50Millis");
        table.append("\n| where the time goes (in memory, no database) | p50 ms |\n|---|---|\n");
        parts.forEach((part, times) -> {
            double p50 = BenchStats.ofMillis(times).p(50);
            node.put(part, BenchStats.round(p50));
            table.append(String.format("| %s | %.2f |%n", part, p50));
        });
    }

    private static SidecarConfig config(String kind, NodeFoldHost host) {
        String base = DemoStack.resource("demo/sidecar.yaml");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SIDECAR_KAFKA_BOOTSTRAP_SERVERS", "unused:9092");
        return switch (kind) {
            case "jsonata" -> ConfigLoader.parse(base, Optional.of(DemoStack.resource(
                    "examples/jsonata/prescription.yaml")), env, dir -> AggregatorRegistry.load(dir).names());
            case "http" -> {
                env.put("SIDECAR_AGGREGATE_TYPES_PRESCRIPTION_FOLD_HTTP_URL", host.url());
                yield ConfigLoader.parse(base, Optional.of(DemoStack.resource(
                        "examples/fold-host-node/sidecar-overlay.yaml")), env,
                        dir -> AggregatorRegistry.load(dir).names());
            }
            default -> ConfigLoader.parse(base, env, dir -> AggregatorRegistry.load(dir).names());
        };
    }

    private static String label(String kind) {
        return switch (kind) {
            case "java" -> "Java aggregator";
            case "jsonata" -> "JSONata";
            default -> "HTTP (Node host, loopback)";
        };
    }

    private static String id(String kind, int i) {
        return "prescription-fk-" + kind + "-" + i;
    }

    private static SnapshotRequest request(String streamId, long head) {
        return SnapshotRequest.of(streamId, "prescription", head, -1, RequestReason.THRESHOLD, Instant.now());
    }
}
