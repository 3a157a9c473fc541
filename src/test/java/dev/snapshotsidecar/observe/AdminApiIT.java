package dev.snapshotsidecar.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.snapshotsidecar.runtime.Sidecar;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.pipeline.PipelineTopics;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.testing.EventStoreProbe;
import dev.snapshotsidecar.testing.Poll;
import dev.snapshotsidecar.testing.SharedStack;
import dev.snapshotsidecar.testing.TcpProxy;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Health, metrics and the admin API of two running instances, on the real broker and PostgreSQL. */
@ExtendWith(SharedStack.class)
class AdminApiIT {
    static final Duration DEADLINE = Duration.ofMinutes(2);
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "s3cret-token";
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    record Response(int status, JsonNode json, String text) {
        String error() {
            return json == null ? "" : json.path("error").asText();
        }
    }

    HttpRequest.Builder request(int port, String method, String path, Duration timeout) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(timeout)
                .method(method, HttpRequest.BodyPublishers.noBody());
    }

    CompletableFuture<Response> send(HttpRequest request) {
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
            try {
                JsonNode json = response.headers().firstValue("Content-Type").orElse("").startsWith("application/json")
                        ? JSON.readTree(response.body()) : null;
                return new Response(response.statusCode(), json, response.body());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    Response call(int port, String method, String path, Map<String, String> headers, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return send(request.build()).get(30, TimeUnit.SECONDS);
    }

    Response call(int port, String method, String path, Optional<String> token, String body) throws Exception {
        return call(port, method, path, token.map(AdminApiIT::bearer).orElse(Map.of()), body);
    }

    Response get(int port, String path) throws Exception {
        return call(port, "GET", path, Map.of(), null);
    }

    static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    /** A stream id as one path segment: percent-escapes for what a URI cannot carry as is; a plus stays a plus. */
    static String path(String streamId) {
        return "/streams/" + streamId.replace("%", "%25").replace(" ", "%20");
    }

    /**
     * The headers an instance signs a forwarded request with, computed here from the documented format rather than
     * by the class under test: HMAC-SHA256 keyed by the admin token over context, method, raw target and epoch
     * seconds.
     */
    static Map<String, String> signed(String token, String method, String rawTarget, Instant at) throws Exception {
        String timestamp = Long.toString(at.getEpochSecond());
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] signature = mac.doFinal(("snapshot-sidecar forwarded request v1\n" + method + "\n" + rawTarget + "\n"
                + timestamp).getBytes(StandardCharsets.UTF_8));
        return Map.of(AdminServer.FORWARDED, "true", "X-Sidecar-Timestamp", timestamp,
                "X-Sidecar-Signature", "v1=" + Base64.getEncoder().encodeToString(signature));
    }

    static Sidecar instance(String app, String name, int databasePort, SidecarMetrics metrics) {
        return instance(app, name, databasePort, metrics, Map.of());
    }

    /** Reads are opened explicitly, whatever the default of http.reads-open; overrides may close them. */
    static Sidecar instance(String app, String name, int databasePort, SidecarMetrics metrics,
                            Map<String, String> overrides) {
        EventStoreProbe probe = EventStoreProbe.get();
        Map<String, String> env = new HashMap<>(PipelineTopics.of(app));
        env.put("SIDECAR_HTTP_PORT", "0");
        env.put("SIDECAR_HTTP_ADMIN_TOKEN", TOKEN);
        env.put("SIDECAR_HTTP_READS_OPEN", "true");
        env.put("SIDECAR_KAFKA_STATE_DIR", probe.stack.stateDirectory().resolve(app + "-" + name).toString());
        env.put("SIDECAR_DATABASE_JDBC_URL", "jdbc:postgresql://127.0.0.1:" + databasePort + "/"
                + probe.stack.postgres().database());
        env.putAll(overrides);
        SidecarConfig config = probe.stack.sidecarConfig(app, env);
        return Sidecar.start(config, probe.aggregators, metrics, Clock.systemUTC(), Duration.ofMinutes(1));
    }

    @Test
    @DisplayName("probes, stream lookups forwarded to the owner, write endpoints behind the token, metrics, probes"
            + " beside stuck admin threads, and a database outage")
    void adminApi() throws Exception {
        EventStoreProbe probe = EventStoreProbe.get();
        Map<String, Integer> lengths = new LinkedHashMap<>();
        for (int i = 0; i < 8; i++) {
            lengths.put("patient-api-" + i, 120);
        }
        // ids a second decoding would change: '+' read as a space, "%25" read as '%' and then as an escape
        for (String id : List.of("patient-api-a+b", "patient-api-50%", "patient-api-c d")) {
            lengths.put(id, 120);
        }
        String app = "it-admin";
        SidecarMetrics metrics = new SidecarMetrics();
        try (TcpProxy database = new TcpProxy("localhost", probe.stack.postgres().port());
             Sidecar a = instance(app, "a", database.port(), metrics);
             Sidecar b = instance(app, "b", database.port(), new SidecarMetrics())) {
            int portA = a.httpPort().orElseThrow();
            int portB = b.httpPort().orElseThrow();
            probe.write(lengths, 21);
            Poll.until("both instances ready", DEADLINE, () -> status(portA, "/health/ready") == 200
                    && status(portB, "/health/ready") == 200, () -> text(portA, "/health/ready"));
            assertThat(get(portA, "/health/live").status()).isEqualTo(200);
            Poll.until("snapshots of every stream", DEADLINE,
                    () -> probe.due(lengths, "patient-api-%", 50).isEmpty(), () -> "still due");

            // every stream answers from both instances: one of them forwards to the owner
            Map<String, Long> latest = new HashMap<>();
            for (String id : lengths.keySet()) {
                StoredSnapshot snapshot = probe.stores.snapshots().latest(id, 1).orElseThrow();
                latest.put(id, snapshot.version());
                Poll.until("the tracker of " + id + " agrees with the database", DEADLINE, () -> {
                    JsonNode fromA = json(portA, path(id));
                    JsonNode fromB = json(portB, path(id));
                    return fromA != null && fromB != null && fromA.path("snapshotVersion").asLong() == snapshot.version()
                            && fromA.equals(fromB);
                }, () -> text(portA, path(id)) + " / " + text(portB, path(id)));
                JsonNode body = get(portA, path(id)).json();
                assertThat(body.path("streamId").asText()).isEqualTo(id);
                assertThat(body.path("headVersion").asLong()).isEqualTo(119);
                assertThat(body.at("/database/available").asBoolean()).isTrue();
                assertThat(body.at("/database/latestSnapshotVersion").asLong()).isEqualTo(snapshot.version());
                assertThat(body.path("aggregateType").asText()).isEqualTo("patient");
            }
            for (int port : List.of(portA, portB)) {
                Response unknown = get(port, "/streams/patient-nobody");
                assertThat(unknown.status()).isEqualTo(404);
                assertThat(unknown.error()).isEqualTo("unknown_stream");
                assertThat(unknown.json().path("message").asText()).contains("patient-nobody");
            }

            // writes: token required
            String id = "patient-api-3";
            assertThat(call(portA, "POST", "/streams/" + id + "/snapshot", Optional.empty(), "").status()).isEqualTo(401);
            assertThat(call(portA, "POST", "/streams/" + id + "/snapshot", Optional.of("wrong"), "").status())
                    .isEqualTo(401);
            for (int port : List.of(portA, portB)) {
                Response forced = call(port, "POST", "/streams/" + id + "/snapshot", Optional.of(TOKEN), "");
                assertThat(forced.status()).isEqualTo(202);
                assertThat(forced.json().path("reason").asText()).isEqualTo("MANUAL");
            }
            assertThat(call(portB, "POST", "/rebuilds", Optional.of(TOKEN), "{\"aggregateType\":\"nope\"}").status())
                    .isEqualTo(400);
            Response rebuild = call(portB, "POST", "/rebuilds", Optional.of(TOKEN), "{\"aggregateType\":\"patient\"}");
            assertThat(rebuild.status()).isEqualTo(202);
            assertThat(rebuild.json().path("trackerTasks").asInt()).isEqualTo(4);
            assertThat(call(portB, "POST", "/rebuilds", Optional.empty(), "{}").status()).isEqualTo(401);

            // the distribution over both instances
            JsonNode types = get(portB, "/aggregate-types").json();
            JsonNode patient = types.path("aggregateTypes").get(0);
            assertThat(patient.path("aggregateType").asText()).isEqualTo("patient");
            assertThat(patient.path("streams").asLong()).isGreaterThanOrEqualTo(lengths.size());
            assertThat(patient.path("recommendation").asText()).isIn("PREMATURE", "JUDGEMENT", "NECESSARY");
            assertThat(types.path("unreachableInstances")).isEmpty();

            // metrics, with their labels
            Poll.until("the stream-length gauges are published", DEADLINE,
                    () -> text(portA, "/metrics").contains("sidecar_stream_length_events{aggregate_type=\"patient\""),
                    () -> "not yet");
            String scrape = get(portA, "/metrics").text();
            assertThat(scrape).contains("sidecar_ingest_events_total{outcome=\"appended\"}",
                    "sidecar_build_results_builds_total{outcome=\"WRITTEN\"}",
                    "sidecar_track_requests_total{reason=\"THRESHOLD\"}", "sidecar_build_duration_seconds_count",
                    "sidecar_build_backlog_requests", "sidecar_build_rate_limit_wait_seconds_count",
                    "sidecar_ingest_dead_letters_events_total", "sidecar_stream_events_since_snapshot_events{",
                    "sidecar_stream_snapshot_age_seconds{", "quantile=\"p95\"", "hikaricp_connections_active",
                    "jvm_memory_used_bytes", "kafka_stream_client_state", "kafka_consumer_fetch_manager_records_lag_max");

            probesBesideStuckLookups(probe, lengths, portA, portB);

            // a database outage: readiness answers at once and says so, lookups keep the tracker's view
            database.cut();
            for (int port : List.of(portA, portB)) {
                Poll.until("not ready without the database", Duration.ofSeconds(15), () -> {
                    Response ready = probeWithin(port, "/health/ready", Duration.ofMillis(1500));
                    return ready.status() == 503 && ready.json().path("reasons").toString().contains("database");
                }, () -> text(port, "/health/ready"));
                assertThat(probeWithin(port, "/health/live", Duration.ofSeconds(1)).status())
                        .as("a database outage is not a reason to restart").isEqualTo(200);
                for (String stream : lengths.keySet()) {
                    Response lookup = call(port, "GET", path(stream), Map.of(), null);
                    assertThat(lookup.status()).as(stream).isEqualTo(200);
                    assertThat(lookup.json().path("headVersion").asLong()).isEqualTo(119);
                    assertThat(lookup.json().at("/database/available").asBoolean()).isFalse();
                    assertThat(lookup.json().at("/database/reason").asText()).isNotBlank();
                    assertThat(lookup.json().at("/database/latestSnapshotVersion").isMissingNode()).isTrue();
                }
            }
            database.restore();
            for (int port : List.of(portA, portB)) {
                Poll.until("ready again once the database is back", DEADLINE,
                        () -> status(port, "/health/ready") == 200, () -> text(port, "/health/ready"));
                // a lookup may still draw a pooled connection the cut broke; the next one has a fresh connection
                Poll.until("lookups see the database again", DEADLINE,
                        () -> text(port, path(id)).contains("\"available\":true"), () -> text(port, path(id)));
                JsonNode body = get(port, path(id)).json();
                assertThat(body.at("/database/available").asBoolean()).isTrue();
                assertThat(body.at("/database/latestSnapshotVersion").asLong())
                        .isGreaterThanOrEqualTo(latest.get(id));
            }
        }
    }

    /**
     * Holds the snapshots table locked, so every lookup's database read waits, and sends more lookups than the
     * admin threads and queues of both instances take: probes and metrics must still answer within a second, and
     * the surplus must be refused as busy rather than queued without bound.
     */
    void probesBesideStuckLookups(EventStoreProbe probe, Map<String, Integer> lengths, int portA, int portB)
            throws Exception {
        List<CompletableFuture<Response>> lookups = new ArrayList<>();
        try (Connection lock = probe.pool.getConnection()) {
            lock.setAutoCommit(false);
            try (Statement statement = lock.createStatement()) {
                statement.execute("LOCK TABLE event_store.snapshots IN ACCESS EXCLUSIVE MODE");
            }
            try {
                // the owner of the most streams (at least 6 of 11) receives at least 30 lookups directly
                for (int round = 0; round < 5; round++) {
                    for (String id : lengths.keySet()) {
                        for (int port : List.of(portA, portB)) {
                            lookups.add(send(request(port, "GET", path(id), Duration.ofSeconds(60)).build()));
                        }
                    }
                }
                Poll.until("an instance refuses lookups as busy", Duration.ofSeconds(20),
                        () -> lookups.stream().anyMatch(f -> f.isDone() && f.join().status() == 503),
                        () -> lookups.stream().filter(java.util.concurrent.CompletableFuture::isDone)
                                .map(f -> f.join().status()).toList().toString());
                for (int port : List.of(portA, portB)) {
                    for (String probePath : List.of("/health/live", "/health/ready", "/metrics")) {
                        assertThat(probeWithin(port, probePath, Duration.ofSeconds(1)).status()).as(probePath)
                                .isEqualTo(200);
                    }
                }
            } finally {
                lock.rollback();
            }
        }
        List<Response> responses = lookups.stream().map(CompletableFuture::join).toList();
        assertThat(responses).allSatisfy(r -> {
            assertThat(r.status()).as(r.text()).isIn(200, 503);
            if (r.status() == 503) {
                assertThat(r.error()).as(r.text()).isEqualTo("busy");
            } else {
                assertThat(r.json().path("headVersion").asLong()).isEqualTo(119);
            }
        });
        assertThat(responses).filteredOn(r -> r.status() == 200).isNotEmpty();
    }

    @Test
    @DisplayName("with reads closed, lookups and aggregate-types need the token; instances authenticate forwarded"
            + " requests by signature, never by the caller's token")
    void readsClosed() throws Exception {
        EventStoreProbe probe = EventStoreProbe.get();
        Map<String, Integer> lengths = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            lengths.put("patient-closed-" + i, 60);
        }
        String app = "it-admin-closed";
        Map<String, String> closed = Map.of("SIDECAR_HTTP_READS_OPEN", "false");
        int db = probe.stack.postgres().port();
        try (Sidecar a = instance(app, "a", db, new SidecarMetrics(), closed);
             Sidecar b = instance(app, "b", db, new SidecarMetrics(), closed)) {
            int portA = a.httpPort().orElseThrow();
            int portB = b.httpPort().orElseThrow();
            List<Integer> ports = List.of(portA, portB);
            probe.write(lengths, 23);
            // probes and metrics stay open
            Poll.until("both instances ready", DEADLINE, () -> status(portA, "/health/ready") == 200
                    && status(portB, "/health/ready") == 200, () -> text(portA, "/health/ready"));
            for (int port : ports) {
                assertThat(get(port, "/health/live").status()).isEqualTo(200);
                assertThat(get(port, "/metrics").status()).isEqualTo(200);
            }
            Poll.until("snapshots of every stream", DEADLINE,
                    () -> probe.due(lengths, "patient-closed-%", 50).isEmpty(), () -> "still due");

            for (String id : lengths.keySet()) {
                // with the token, both instances answer: one forwards, and the owner accepts its signature
                Poll.until("both instances report the head of " + id, DEADLINE, () -> {
                    JsonNode fromA = json(portA, path(id), TOKEN);
                    JsonNode fromB = json(portB, path(id), TOKEN);
                    return fromA != null && fromA.equals(fromB) && fromA.path("headVersion").asLong() == 59;
                }, () -> text(portA, path(id), TOKEN) + " / " + text(portB, path(id), TOKEN));
                for (int port : ports) {
                    for (Map<String, String> refused : List.of(Map.<String, String>of(), bearer("wrong"))) {
                        Response response = call(port, "GET", path(id), refused, null);
                        assertThat(response.status()).isEqualTo(401);
                        assertThat(response.error()).isEqualTo("unauthorized");
                    }
                }

                // forwarded requests as an instance sends them: exactly one instance owns the stream and answers;
                // the other refuses to forward a forwarded request again
                Set<Integer> statuses = new java.util.HashSet<>();
                for (int port : ports) {
                    Response direct = call(port, "GET", path(id), signed(TOKEN, "GET", path(id), Instant.now()), null);
                    statuses.add(direct.status());
                    if (direct.status() == 503) {
                        assertThat(direct.json().path("message").asText()).contains("moving");
                    }
                }
                assertThat(statuses).containsExactlyInAnyOrder(200, 503);
                for (int port : ports) {
                    Map<String, String> bearerOnly = new HashMap<>(bearer(TOKEN));
                    bearerOnly.put(AdminServer.FORWARDED, "true");
                    List<Map<String, String>> refused = List.of(bearerOnly,
                            signed("another-token", "GET", path(id), Instant.now()),
                            signed(TOKEN, "GET", path(id), Instant.now().minusSeconds(120)),
                            signed(TOKEN, "GET", path("patient-closed-other"), Instant.now()));
                    for (Map<String, String> headers : refused) {
                        Response response = call(port, "GET", path(id), headers, null);
                        assertThat(response.status()).as(headers.keySet().toString()).isEqualTo(401);
                        assertThat(response.error()).isEqualTo("unauthorized");
                    }
                }
            }

            // writes reach the owner through either instance
            for (int port : ports) {
                Response forced = call(port, "POST", "/streams/patient-closed-1/snapshot", bearer(TOKEN), "");
                assertThat(forced.status()).isEqualTo(202);
            }

            // the fan-out over both instances
            for (int port : ports) {
                assertThat(get(port, "/aggregate-types").status()).isEqualTo(401);
                Response types = call(port, "GET", "/aggregate-types", bearer(TOKEN), null);
                assertThat(types.status()).isEqualTo(200);
                assertThat(types.json().path("unreachableInstances")).isEmpty();
                assertThat(types.json().at("/aggregateTypes/0/streams").asLong()).isGreaterThanOrEqualTo(lengths.size());
            }
        }
    }

    @Test
    @DisplayName("with tracker.partitioning=source, lookups reach the owner and a manual snapshot's result its head")
    void sourcePartitioned() throws Exception {
        EventStoreProbe probe = EventStoreProbe.get();
        Map<String, Integer> lengths = new LinkedHashMap<>();
        for (int i = 0; i < 8; i++) {
            lengths.put("patient-apisrc-" + i, 120);
        }
        String app = "it-admin-source";
        Map<String, String> source = Map.of("SIDECAR_TRACKER_PARTITIONING", "source", "SIDECAR_TOPICS_PARTITIONS", "4");
        int db = probe.stack.postgres().port();
        try (Sidecar a = instance(app, "a", db, new SidecarMetrics(), source);
             Sidecar b = instance(app, "b", db, new SidecarMetrics(), source)) {
            int portA = a.httpPort().orElseThrow();
            int portB = b.httpPort().orElseThrow();
            probe.write(lengths, 22);
            Poll.until("snapshots of every stream", DEADLINE,
                    () -> probe.due(lengths, "patient-apisrc-%", 50).isEmpty(), () -> "still due");
            for (String id : lengths.keySet()) {
                long latest = probe.stores.snapshots().latest(id, 1).orElseThrow().version();
                Poll.until("both instances report the head of " + id, DEADLINE, () -> {
                    JsonNode fromA = json(portA, "/streams/" + id);
                    JsonNode fromB = json(portB, "/streams/" + id);
                    return fromA != null && fromA.equals(fromB) && fromA.path("headVersion").asLong() == 119
                            && fromA.path("snapshotVersion").asLong() == latest;
                }, () -> text(portA, "/streams/" + id) + " / " + text(portB, "/streams/" + id));
            }
            // ten more events, under the threshold; a manual snapshot's result must reach the task holding the head
            String id = "patient-apisrc-5";
            probe.writeRest(Map.of(id, 130), Map.of(id, 120));
            Poll.until("the head of " + id + " reaches 129", DEADLINE,
                    () -> json(portB, "/streams/" + id) != null
                            && json(portB, "/streams/" + id).path("headVersion").asLong() == 129,
                    () -> text(portB, "/streams/" + id));
            Response forced = call(portB, "POST", "/streams/" + id + "/snapshot", Optional.of(TOKEN), "");
            assertThat(forced.status()).isEqualTo(202);
            Poll.until("the manual snapshot's result reaches the head", DEADLINE, () -> {
                JsonNode head = json(portA, "/streams/" + id);
                return head != null && head.path("snapshotVersion").asLong() == 129
                        && head.path("pendingRequest").isNull();
            }, () -> text(portA, "/streams/" + id));
            assertThat(probe.stores.snapshots().latest(id, 1).orElseThrow().version()).isEqualTo(129);
        }
    }

    @Test
    @DisplayName("before its source topic exists the sidecar is live and says what it waits for; ready once it"
            + " appears")
    void waitsForTheSourceTopic() throws Exception {
        EventStoreProbe probe = EventStoreProbe.get();
        String app = "it-admin-late";
        String topic = "it-admin-late-source";
        int port = freePort();
        Map<String, String> overrides = Map.of("SIDECAR_TOPICS_SOURCE", topic, "SIDECAR_HTTP_PORT",
                Integer.toString(port));
        ExecutorService starter = Executors.newSingleThreadExecutor();
        CompletableFuture<Sidecar> starting = CompletableFuture.supplyAsync(() -> instance(app, "a",
                probe.stack.postgres().port(), new SidecarMetrics(), overrides), starter);
        try {
            Poll.until("ready names the topic it waits for", DEADLINE, () -> text(port, "/health/ready")
                    .contains("waiting for source topic " + topic + ": Debezium creates it with the first change"
                            + " event"), () -> text(port, "/health/ready"));
            Response ready = get(port, "/health/ready");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.json().path("status").asText()).isEqualTo("DOWN");
            assertThat(get(port, "/health/live").status()).as("waiting is not a reason to restart").isEqualTo(200);
            assertThat(get(port, "/metrics").status()).isEqualTo(200);
            Response lookup = get(port, "/streams/patient-1");
            assertThat(lookup.status()).isEqualTo(503);
            assertThat(lookup.json().path("message").asText()).contains("starting");
            assertThat(starting).isNotDone();

            probe.stack.createTopics(4, topic);
            Poll.until("ready once the topic exists and the pipeline runs", DEADLINE,
                    () -> status(port, "/health/ready") == 200, () -> text(port, "/health/ready"));
            assertThat(starting.get(30, TimeUnit.SECONDS).httpPort()).contains(port);
        } finally {
            // a start still waiting for the topic returns once it exists, and is closed like one that finished; a
            // start that failed has closed itself, and the assertion above says why the test failed
            probe.stack.createTopics(4, topic);
            starting.handle((sidecar, failed) -> {
                if (sidecar != null) {
                    sidecar.close();
                }
                return null;
            }).get(2, TimeUnit.MINUTES);
            starter.shutdown();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A probe that must answer within {@code limit}: a slower answer fails the test, it is not "not yet". */
    Response probeWithin(int port, String path, Duration limit) {
        long started = System.nanoTime();
        try {
            Response response = send(request(port, "GET", path, limit).build()).get();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as(path).isLessThan(limit);
            return response;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof HttpTimeoutException) {
                throw new AssertionError(path + " on port " + port + " did not answer within " + limit, e);
            }
            throw new AssertionError(path + " on port " + port + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    int status(int port, String path) {
        try {
            return get(port, path).status();
        } catch (Exception e) {
            return -1;
        }
    }

    String text(int port, String path) {
        try {
            return get(port, path).text();
        } catch (Exception e) {
            return e.toString();
        }
    }

    String text(int port, String path, String token) {
        try {
            return call(port, "GET", path, bearer(token), null).text();
        } catch (Exception e) {
            return e.toString();
        }
    }

    JsonNode json(int port, String path) {
        return json(port, path, null);
    }

    JsonNode json(int port, String path, String token) {
        try {
            Response response = call(port, "GET", path, token == null ? Map.of() : bearer(token), null);
            return response.status() == 200 ? response.json() : null;
        } catch (Exception e) {
            return null;
        }
    }
}
