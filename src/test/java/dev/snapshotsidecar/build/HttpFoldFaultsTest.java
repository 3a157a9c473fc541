package dev.snapshotsidecar.build;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.snapshotsidecar.clinical.PrescriptionAggregator;
import dev.snapshotsidecar.config.HttpVersion;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.fold.http.FoldProtocolContract;
import dev.snapshotsidecar.fold.http.HttpFold;
import dev.snapshotsidecar.fold.http.HttpFoldEndpoint;
import dev.snapshotsidecar.fold.http.StubFoldHost;
import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.request.SnapshotResult;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.testkit.ClinicalEvents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Builds through an HTTP fold against a fold host in this JVM that misbehaves on demand: every way a fold endpoint
 * fails ends as docs/folds.md says. Short timings, so the whole class takes seconds.
 */
class HttpFoldFaultsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final InMemoryStore store = new InMemoryStore();
    final PrescriptionAggregator aggregator = new PrescriptionAggregator();
    StubFoldHost host;
    HttpFoldEndpoint endpoint;
    FoldingSnapshotBuilder builder;
    long position;

    static SidecarConfig.FoldDefinition.Http settings(String url, int maxConcurrency, Optional<String> token,
                                                      Optional<Path> tokenFile) {
        return settings(url, maxConcurrency, token, tokenFile, 3);
    }

    static SidecarConfig.FoldDefinition.Http settings(String url, int maxConcurrency, Optional<String> token,
                                                      Optional<Path> tokenFile, int circuitFailures) {
        return new SidecarConfig.FoldDefinition.Http(URI.create(url),
                new SidecarConfig.HttpTimeouts(Duration.ofMillis(500), Duration.ofMillis(400)),
                new SidecarConfig.HttpChunks(100, 1 << 20),
                new SidecarConfig.HttpLimits(maxConcurrency, circuitFailures, Duration.ofMillis(600)),
                new SidecarConfig.HttpRetry(Duration.ofMillis(20), Duration.ofMillis(1500)), Duration.ofMinutes(1),
                new SidecarConfig.HttpAuth(token, tokenFile, Optional.empty()), HttpVersion.HTTP_1_1);
    }

    void start(SidecarConfig.FoldDefinition.Http settings) {
        endpoint = new HttpFoldEndpoint(settings, new SimpleMeterRegistry(), Clock.systemUTC());
        HttpFold fold = new HttpFold("prescription", endpoint, settings.chunks().events(), settings.chunks().bytes());
        builder = new FoldingSnapshotBuilder(store, store, Folds.of(Map.of("prescription", fold)),
                Map.of("prescription", new BuildRules(3, 1 << 20)), 0, Clock.systemUTC());
    }

    @BeforeEach
    void startHost() throws Exception {
        host = new StubFoldHost();
        start(settings(host.url(), 4, Optional.empty(), Optional.empty()));
    }

    @AfterEach
    void stop() {
        endpoint.close();
        host.close();
    }

    void write(String streamId, int count) {
        ClinicalEvents script = new ClinicalEvents(streamId, 0, streamId.hashCode());
        for (int i = 0; i < count; i++) {
            var e = script.next();
            store.events.add(new StoredEvent(e.streamId(), e.version(), e.eventType(), e.data(), Optional.empty(),
                    Instant.EPOCH, ++position));
        }
    }

    SnapshotResult build(String streamId, long head) {
        return builder.build(SnapshotRequest.of(streamId, "prescription", head, -1, RequestReason.THRESHOLD,
                Instant.EPOCH), BuildLease.ALWAYS);
    }

    String javaReplay(String streamId, long upTo) {
        var state = aggregator.initialState();
        for (StoredEvent e : store.events) {
            if (e.streamId().equals(streamId) && e.version() <= upTo) {
                state = aggregator.apply(state, e);
            }
        }
        return aggregator.toJson(state);
    }

    @Test
    @DisplayName("a 500-event tail goes in chunks of 100, each from the state the previous returned; the state is stored as the service wrote it; requests follow the contract")
    void chunksAndContract() throws Exception {
        write("prescription-1", 650);
        assertThat(build("prescription-1", 149).outcome()).isEqualTo(Outcome.WRITTEN);
        host.requests.clear();
        SnapshotResult result = build("prescription-1", 649);
        assertThat(result.outcome()).isEqualTo(Outcome.WRITTEN);
        assertThat(result.detail()).startsWith("folded 500 events").endsWith("(http)");
        assertThat(host.requests).hasSize(5);
        for (int i = 0; i < host.requests.size(); i++) {
            var request = JSON.readTree(host.requests.get(i));
            assertThat(request.get("events")).hasSize(100);
            assertThat(request.get("from").get("version").asLong()).isEqualTo(149 + 100L * i);
            assertThat(FoldProtocolContract.errors("FoldRequest", request)).as("request %d follows the contract", i)
                    .isEmpty();
        }
        StoredSnapshot saved = store.latest("prescription-1", 1).orElseThrow();
        assertThat(saved.data()).as("byte for byte the host's own layout").contains("\": \"")
                .isEqualTo(javaReplay("prescription-1", 649).replace("\":", "\": "));
        assertThat(host.headers.get(0).get("Snapshot-fold-protocol")).containsExactly("1");
    }

    @Test
    @DisplayName("a rejected fold (422) fails that stream at once with the service's reason; other streams go on")
    void rejected() {
        write("prescription-1", 10);
        store.events.add(new StoredEvent("prescription-1", 10, "PrescriptionCloned", "{\"secret\":\"x\"}",
                Optional.empty(), Instant.EPOCH, ++position));
        SnapshotResult result = build("prescription-1", 10);
        assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(result.detail()).contains("version 10", "PrescriptionCloned",
                "rejected by the fold service: unknown-event-type: cannot apply PrescriptionCloned")
                .doesNotContain("secret");
        assertThat(host.foldCalls.get()).as("not retried").isEqualTo(1);
        write("prescription-2", 10);
        assertThat(build("prescription-2", 9).outcome()).isEqualTo(Outcome.WRITTEN);
    }

    @Test
    @DisplayName("500s are retried with backoff and the build goes through; past the budget it is FAILED for the tracker to retry")
    void serverErrors() {
        write("prescription-1", 20);
        host.faults.add(StubFoldHost.Fault.status(500));
        host.faults.add(StubFoldHost.Fault.status(503));
        assertThat(build("prescription-1", 19).outcome()).isEqualTo(Outcome.WRITTEN);
        assertThat(host.foldCalls.get()).isEqualTo(3);

        endpoint.close();
        start(settings(host.url(), 4, Optional.empty(), Optional.empty(), 1000)); // no circuit in the way
        write("prescription-2", 20);
        host.always = Optional.of(StubFoldHost.Fault.status(500));
        long started = System.nanoTime();
        SnapshotResult failed = build("prescription-2", 19);
        assertThat(failed.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(failed.detail()).contains("did not answer the fold call of prescription-2 within 1500 ms",
                "last: status 500", "the tracker asks again later");
        assertThat((System.nanoTime() - started) / 1_000_000).as("gave up within its budget").isLessThan(1500);
    }

    @Test
    @DisplayName("after 3 failures in a row the circuit opens: builds fail at once without a call, then one trial call closes it")
    void circuitBreaker() throws Exception {
        write("prescription-1", 20);
        host.always = Optional.of(StubFoldHost.Fault.status(502));
        assertThat(build("prescription-1", 19).detail())
                .contains("circuit of the fold service", "opened after 3 failures in a row (last: status 502)");
        int calls = host.foldCalls.get();
        assertThat(calls).as("3 failures opened it").isEqualTo(3);
        SnapshotResult refused = build("prescription-1", 19);
        assertThat(refused.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(refused.detail()).contains("circuit of the fold service", "is open");
        assertThat(host.foldCalls.get()).as("no call while open").isEqualTo(calls);
        host.always = Optional.empty();
        Thread.sleep(700); // the circuit's open-for of 600 ms: time is the thing under test here
        assertThat(build("prescription-1", 19).outcome()).isEqualTo(Outcome.WRITTEN);
        assertThat(host.foldCalls.get()).isEqualTo(calls + 1);
    }

    @Test
    @DisplayName("429 is retried after Retry-After; a Retry-After past the budget gives up at once")
    void tooManyRequests() {
        write("prescription-1", 20);
        host.faults.add(new StubFoldHost.Fault(429, "", Map.of("Retry-After", "1"), 0));
        long started = System.nanoTime();
        assertThat(build("prescription-1", 19).outcome()).isEqualTo(Outcome.WRITTEN);
        assertThat((System.nanoTime() - started) / 1_000_000).as("waited the second asked").isGreaterThanOrEqualTo(1000);

        write("prescription-2", 20);
        host.faults.add(new StubFoldHost.Fault(429, "", Map.of("Retry-After", "3600"), 0));
        started = System.nanoTime();
        SnapshotResult failed = build("prescription-2", 19);
        assertThat(failed.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(failed.detail()).contains("429 Too Many Requests");
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(1000);
    }

    @Test
    @DisplayName("a slow endpoint times out and is retried; a down one is a connection error; both end FAILED, retried later")
    void slowAndDown() {
        write("prescription-1", 20);
        host.faults.add(StubFoldHost.Fault.slow(900));
        assertThat(build("prescription-1", 19).outcome()).as("one timeout, then an answer").isEqualTo(Outcome.WRITTEN);

        write("prescription-2", 20);
        host.stop();
        SnapshotResult down = build("prescription-2", 19);
        assertThat(down.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(down.detail()).containsAnyOf("connection refused", "connection error", "circuit");
    }

    @Test
    @DisplayName("a garbage answer, or one for another version, fails the stream naming what broke the protocol")
    void garbage() {
        write("prescription-1", 20);
        host.faults.add(new StubFoldHost.Fault(200, "<html>oops</html>", Map.of(), 0));
        SnapshotResult garbage = build("prescription-1", 19);
        assertThat(garbage.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(garbage.detail()).contains("broke protocol 1: the answer is not JSON");
        host.faults.add(new StubFoldHost.Fault(200, "{\"protocol\":1,\"version\":3,\"schemaVersion\":1,"
                + "\"state\":{}}", Map.of(), 0));
        assertThat(build("prescription-1", 19).detail()).contains("answered for version 3, not 19");
        host.faults.add(new StubFoldHost.Fault(200, "{\"protocol\":1,\"version\":19,\"schemaVersion\":1}",
                Map.of(), 0));
        assertThat(build("prescription-1", 19).detail()).contains("it lacks state");
        assertThat(store.snapshots).isEmpty();
    }

    @Test
    @DisplayName("at most max-concurrency calls reach an endpoint at once, however many builds run")
    void boundedConcurrency() throws Exception {
        endpoint.close();
        start(settings(host.url(), 2, Optional.empty(), Optional.empty()));
        host.foldDelayMillis = 100;
        for (int i = 0; i < 6; i++) {
            write("prescription-" + i, 10);
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<SnapshotResult>> results = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String id = "prescription-" + i;
                results.add(pool.submit(() -> build(id, 9)));
            }
            for (Future<SnapshotResult> r : results) {
                assertThat(r.get().outcome()).isEqualTo(Outcome.WRITTEN);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(host.maxInFlight.get()).isEqualTo(2);
    }

    @Test
    @DisplayName("the bearer token is sent on every call, read again from its file when the secret rotates")
    void bearerToken(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "first\n");
        endpoint.close();
        start(settings(host.url(), 4, Optional.empty(), Optional.of(file)));
        write("prescription-1", 20);
        assertThat(build("prescription-1", 9).outcome()).isEqualTo(Outcome.WRITTEN);
        Files.writeString(file, "second");
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertThat(build("prescription-1", 19).outcome()).isEqualTo(Outcome.WRITTEN);
        assertThat(host.headers).extracting(h -> h.get("Authorization").get(0))
                .containsExactly("Bearer first", "Bearer second");
    }

    @Test
    @DisplayName("describe gives the schema version; a new one is told to the watchers, and a state the host no longer reads makes the sidecar describe again")
    void schemaVersions() {
        write("prescription-1", 20);
        assertThat(build("prescription-1", 9).outcome()).isEqualTo(Outcome.WRITTEN);
        assertThat(store.latest("prescription-1", 1)).isPresent();
        List<Integer> told = new ArrayList<>();
        HttpFold fold = new HttpFold("prescription", endpoint, 100, 1 << 20);
        fold.watchSchemaVersion(told::add);
        host.schemaVersion = 2;
        host.faults.add(new StubFoldHost.Fault(422, "{\"protocol\":1,\"error\":\"unsupported-schema-version\","
                + "\"reason\":\"schema 1 is gone\"}", Map.of(), 0));
        SnapshotResult result = build("prescription-1", 19);
        assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(result.detail()).contains("no longer reads schema version 1", "described again");
        assertThat(told).containsExactly(2);
        assertThat(build("prescription-1", 19).outcome()).as("from the first event, at the new version")
                .isEqualTo(Outcome.WRITTEN);
        assertThat(store.latest("prescription-1", 2).orElseThrow().version()).isEqualTo(19);
    }
}
