package dev.snapshotsidecar.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.snapshotsidecar.Sidecar;
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

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Health, metrics and the admin API of two running instances, on the real broker and PostgreSQL. */
@ExtendWith(SharedStack.class)
class AdminApiIT {
    static final Duration DEADLINE = Duration.ofMinutes(2);
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "s3cret-token";
    final HttpClient http = HttpClient.newHttpClient();

    record Response(int status, JsonNode json, String text) {
    }

    Response call(int port, String method, String path, Optional<String> token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        if (response.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
            json = JSON.readTree(response.body());
        }
        return new Response(response.statusCode(), json, response.body());
    }

    Response get(int port, String path) throws Exception {
        return call(port, "GET", path, Optional.empty(), null);
    }

    static Sidecar instance(String app, String name, int databasePort, SidecarMetrics metrics) {
        return instance(app, name, databasePort, metrics, Map.of());
    }

    static Sidecar instance(String app, String name, int databasePort, SidecarMetrics metrics,
                            Map<String, String> overrides) {
        EventStoreProbe probe = EventStoreProbe.get();
        Map<String, String> env = new HashMap<>(PipelineTopics.of(app));
        env.putAll(overrides);
        env.put("SIDECAR_HTTP_PORT", "0");
        env.put("SIDECAR_HTTP_ADMIN_TOKEN", TOKEN);
        env.put("SIDECAR_KAFKA_STATE_DIR", probe.stack.stateDirectory().resolve(app + "-" + name).toString());
        env.put("SIDECAR_DATABASE_JDBC_URL", "jdbc:postgresql://127.0.0.1:" + databasePort + "/"
                + probe.stack.postgres().database());
        SidecarConfig config = probe.stack.sidecarConfig(app, env);
        return Sidecar.start(config, probe.aggregators, metrics, Clock.systemUTC(), Duration.ofMinutes(1));
    }

    @Test
    @DisplayName("probes, stream lookups forwarded to the owner, write endpoints behind the token, and metrics")
    void adminApi() throws Exception {
        EventStoreProbe probe = EventStoreProbe.get();
        Map<String, Integer> lengths = new LinkedHashMap<>();
        for (int i = 0; i < 8; i++) {
            lengths.put("patient-api-" + i, 120);
        }
        String app = "it-admin";
        SidecarMetrics metrics = new SidecarMetrics();
        try (TcpProxy database = new TcpProxy("localhost", probe.stack.postgres().port());
             Sidecar a = instance(app, "a", database.port(), metrics);
             Sidecar b = instance(app, "b", probe.stack.postgres().port(), new SidecarMetrics())) {
            int portA = a.httpPort().orElseThrow();
            int portB = b.httpPort().orElseThrow();
            probe.write(lengths, 21);
            Poll.until("both instances ready", DEADLINE, () -> status(portA, "/health/ready") == 200
                    && status(portB, "/health/ready") == 200, () -> text(portA, "/health/ready"));
            assertThat(get(portA, "/health/live").status()).isEqualTo(200);
            Poll.until("snapshots of every stream", DEADLINE,
                    () -> probe.due(lengths, "patient-api-%", 50).isEmpty(), () -> "still due");

            // every stream answers from both instances: one of them forwards to the owner
            for (String id : lengths.keySet()) {
                StoredSnapshot latest = probe.stores.snapshots().latest(id, 1).orElseThrow();
                Poll.until("the tracker of " + id + " agrees with the database", DEADLINE, () -> {
                    JsonNode fromA = json(portA, "/streams/" + id);
                    JsonNode fromB = json(portB, "/streams/" + id);
                    return fromA != null && fromB != null && fromA.path("snapshotVersion").asLong() == latest.version()
                            && fromA.equals(fromB);
                }, () -> text(portA, "/streams/" + id) + " / " + text(portB, "/streams/" + id));
                JsonNode body = get(portA, "/streams/" + id).json();
                assertThat(body.path("headVersion").asLong()).isEqualTo(119);
                assertThat(body.at("/database/latestSnapshotVersion").asLong()).isEqualTo(latest.version());
                assertThat(body.path("aggregateType").asText()).isEqualTo("patient");
            }
            Response unknown = get(portA, "/streams/patient-nobody");
            assertThat(unknown.status()).isIn(404, 503);
            assertThat(unknown.json().path("message").asText()).isNotBlank();

            // writes: token required
            String id = "patient-api-3";
            assertThat(call(portA, "POST", "/streams/" + id + "/snapshot", Optional.empty(), "").status()).isEqualTo(401);
            assertThat(call(portA, "POST", "/streams/" + id + "/snapshot", Optional.of("wrong"), "").status())
                    .isEqualTo(401);
            Response forced = call(portA, "POST", "/streams/" + id + "/snapshot", Optional.of(TOKEN), "");
            assertThat(forced.status()).isEqualTo(202);
            assertThat(forced.json().path("reason").asText()).isEqualTo("MANUAL");
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
            assertThat(patient.path("streams").asLong()).isGreaterThanOrEqualTo(8);
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

            // readiness follows the database
            database.cut();
            Poll.until("not ready without the database", DEADLINE, () -> status(portA, "/health/ready") == 503,
                    () -> text(portA, "/health/ready"));
            assertThat(get(portA, "/health/ready").json().path("reasons").toString()).contains("database");
            assertThat(get(portA, "/health/live").status()).as("a database outage is not a reason to restart")
                    .isEqualTo(200);
            database.restore();
            Poll.until("ready again once the database is back", DEADLINE, () -> status(portA, "/health/ready") == 200,
                    () -> text(portA, "/health/ready"));
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

    JsonNode json(int port, String path) {
        try {
            Response response = get(port, path);
            return response.status() == 200 ? response.json() : null;
        } catch (Exception e) {
            return null;
        }
    }
}
