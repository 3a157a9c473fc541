package dev.snapshotsidecar.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.track.HeadsQuery;
import dev.snapshotsidecar.track.SnapshotRequest;
import dev.snapshotsidecar.track.StreamHead;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Health, metrics and the admin API over HTTP. The JDK's own HTTP server (module jdk.httpserver) serves it: Javalin 7
 * would bring Jetty 12.1 into a JVM whose embedded Kafka Connect (the demo's) runs on Jetty 12.0.
 *
 * <ul>
 *   <li>{@code GET /health/live}, {@code GET /health/ready}: 200 or 503 with the reasons;</li>
 *   <li>{@code GET /metrics}: Prometheus text;</li>
 *   <li>{@code GET /streams/{id}}: the stream's head and latest snapshot, answered by the instance that owns it
 *       (requests are forwarded once);</li>
 *   <li>{@code GET /aggregate-types}: per type, stream lengths, events since snapshot, snapshot age and the
 *       measure-first recommendation, over every instance;</li>
 *   <li>{@code POST /streams/{id}/snapshot} and {@code POST /rebuilds} ({@code {"aggregateType": "patient"}}): need
 *       {@code Authorization: Bearer <http.admin-token>}; without a token configured they are off.</li>
 * </ul>
 * Every error is JSON: {@code {"error": "...", "message": "..."}}. Requests run on a small pool, never on a stream
 * thread.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String FORWARDED = "X-Sidecar-Forwarded";

    private final HttpServer server;
    private final ExecutorService executor;
    private final SidecarConfig.Http config;
    private final AdminOperations sidecar;
    private final SidecarMetrics metrics;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    public AdminServer(SidecarConfig.Http config, AdminOperations sidecar, SidecarMetrics metrics) throws IOException {
        this.config = config;
        this.sidecar = sidecar;
        this.metrics = metrics;
        this.server = HttpServer.create(new InetSocketAddress(Math.max(config.port(), 0)), 64);
        this.executor = Executors.newFixedThreadPool(4, runnable -> {
            Thread thread = new Thread(runnable, "admin-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        LOG.info("health, metrics and admin API on port {}", port());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private record Reply(int status, String contentType, String body) {
        static Reply json(int status, JsonNode body) {
            return new Reply(status, "application/json", body.toString());
        }

        static Reply error(int status, String error, String message) {
            return json(status, JSON.createObjectNode().put("error", error).put("message", message));
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        Reply reply;
        try {
            reply = route(exchange);
        } catch (HeadsQuery.TrackerUnavailableException e) {
            reply = Reply.error(503, "unavailable", e.getMessage());
        } catch (Exception e) {
            LOG.warn("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    e.getClass().getSimpleName());
            reply = Reply.error(500, "internal", "the request failed (" + e.getClass().getSimpleName()
                    + "); the sidecar's log has the details");
        }
        byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", reply.contentType() + "; charset=utf-8");
        exchange.sendResponseHeaders(reply.status(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private Reply route(HttpExchange exchange) throws Exception {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        if (path.equals("/health/live") && method.equals("GET")) {
            boolean live = sidecar.live();
            return Reply.json(live ? 200 : 503, JSON.createObjectNode().put("status", live ? "UP" : "DOWN"));
        }
        if (path.equals("/health/ready") && method.equals("GET")) {
            List<String> reasons = sidecar.notReadyBecause();
            ObjectNode body = JSON.createObjectNode().put("status", reasons.isEmpty() ? "UP" : "DOWN");
            ArrayNode because = body.putArray("reasons");
            reasons.forEach(because::add);
            return Reply.json(reasons.isEmpty() ? 200 : 503, body);
        }
        if (path.equals("/metrics") && method.equals("GET")) {
            return new Reply(200, "text/plain; version=0.0.4", metrics.scrape());
        }
        boolean write = method.equals("POST");
        if (path.startsWith("/streams/") || path.equals("/aggregate-types") || path.equals("/rebuilds")) {
            Optional<Reply> refused = authorize(exchange, write);
            if (refused.isPresent()) {
                return refused.get();
            }
            if (sidecar.heads() == null) {
                return Reply.error(503, "unavailable", "the sidecar is starting; try again in a few seconds");
            }
        }
        if (path.startsWith("/streams/")) {
            String rest = path.substring("/streams/".length());
            boolean snapshot = rest.endsWith("/snapshot");
            String streamId = URLDecoder.decode(snapshot ? rest.substring(0, rest.length() - "/snapshot".length())
                    : rest, StandardCharsets.UTF_8);
            if (streamId.isEmpty() || streamId.contains("/")) {
                return Reply.error(404, "not_found", "no such endpoint: " + path);
            }
            if (snapshot && write) {
                return stream(exchange, streamId, true);
            }
            if (!snapshot && method.equals("GET")) {
                return stream(exchange, streamId, false);
            }
        }
        if (path.equals("/aggregate-types") && method.equals("GET")) {
            return aggregateTypes(exchange);
        }
        if (path.equals("/rebuilds") && write) {
            return rebuild(exchange);
        }
        return Reply.error(404, "not_found", "no such endpoint: " + method + " " + path
                + "; try /health/ready, /metrics, /streams/{id}, /aggregate-types");
    }

    private Optional<Reply> authorize(HttpExchange exchange, boolean write) {
        if (!write && config.readsOpen()) {
            return Optional.empty();
        }
        if (config.adminToken().isEmpty()) {
            return Optional.of(Reply.error(403, "disabled", write
                    ? "write endpoints are off: set http.admin-token (SIDECAR_HTTP_ADMIN_TOKEN) to turn them on"
                    : "read endpoints need a token but none is configured: set http.admin-token"));
        }
        String header = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization")).orElse("");
        byte[] expected = ("Bearer " + config.adminToken().get()).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8))) {
            return Optional.of(Reply.error(401, "unauthorized",
                    "send the admin token as 'Authorization: Bearer <token>'"));
        }
        return Optional.empty();
    }

    private Reply stream(HttpExchange exchange, String streamId, boolean requestSnapshot) throws Exception {
        HeadsQuery.Owner owner = sidecar.heads().owner(streamId);
        if (owner instanceof HeadsQuery.Owner.Unknown) {
            return Reply.error(503, "unavailable", "no instance owns " + streamId + " right now (starting or "
                    + "rebalancing); try again in a few seconds");
        }
        if (owner instanceof HeadsQuery.Owner.There there) {
            if (exchange.getRequestHeaders().containsKey(FORWARDED)) {
                return Reply.error(503, "unavailable", "ownership of " + streamId + " is moving; try again");
            }
            return forward(exchange, there.host() + ":" + there.port());
        }
        Optional<StreamHead> head = sidecar.heads().local(streamId);
        if (head.isEmpty() || head.get().isErased()) {
            return Reply.error(404, "unknown_stream", "the tracker has seen no event of " + streamId
                    + "; check the stream id and that its aggregate type is configured");
        }
        if (requestSnapshot) {
            SnapshotRequest request = sidecar.requestSnapshot(streamId, head.get());
            return Reply.json(202, JSON.createObjectNode().put("streamId", streamId)
                    .put("requestedVersion", request.headVersion()).put("reason", request.reason().name()));
        }
        StreamHead h = head.get();
        ObjectNode body = JSON.createObjectNode();
        body.put("streamId", streamId).put("aggregateType", h.aggregateType()).put("headVersion", h.headVersion())
                .put("snapshotVersion", h.snapshotVersion())
                .put("eventsSinceSnapshot", h.eventsSinceSnapshot(sidecar.firstVersion()));
        if (h.pending()) {
            body.putObject("pendingRequest").put("version", h.pendingVersion())
                    .put("since", Instant.ofEpochMilli(h.pendingSinceMillis()).toString());
        } else {
            body.putNull("pendingRequest");
        }
        body.put("lastEventAt", h.lastEventMillis() == 0 ? null : Instant.ofEpochMilli(h.lastEventMillis()).toString());
        body.put("lastSnapshotAt", h.lastSnapshotMillis() == 0 ? null
                : Instant.ofEpochMilli(h.lastSnapshotMillis()).toString());
        body.put("consecutiveFailures", h.consecutiveFailures());
        body.put("nextRetryAt", h.nextRetryMillis() == 0 ? null : Instant.ofEpochMilli(h.nextRetryMillis()).toString());
        body.put("heldBackUntilVersion", h.retryAfterVersion() == StreamHead.NONE ? null : h.retryAfterVersion());
        ObjectNode database = body.putObject("database");
        sidecar.latestSnapshot(streamId, h.aggregateType()).ifPresentOrElse(
                s -> database.put("latestSnapshotVersion", s.version()).put("schemaVersion", s.schemaVersion()),
                () -> database.putNull("latestSnapshotVersion"));
        return Reply.json(200, body);
    }

    private Reply aggregateTypes(HttpExchange exchange) throws Exception {
        HeadStatistics statistics = HeadStatistics.collect(sidecar.heads(), sidecar.firstVersion(),
                System.currentTimeMillis());
        boolean localOnly = "scope=local".equals(exchange.getRequestURI().getQuery());
        List<String> unreachable = new java.util.ArrayList<>();
        if (!localOnly) {
            for (String other : sidecar.heads().others()) {
                try {
                    statistics = statistics.merge(parse(get(exchange, other, "/aggregate-types?scope=local")));
                } catch (IOException e) {
                    unreachable.add(other);
                }
            }
        }
        return Reply.json(200, render(statistics, localOnly, unreachable));
    }

    private JsonNode render(HeadStatistics statistics, boolean raw, List<String> unreachable) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode types = root.putArray("aggregateTypes");
        for (String type : new java.util.TreeSet<>(sidecar.aggregateTypes())) {
            LengthDistribution lengths = statistics.lengths().getOrDefault(type, new LengthDistribution(new long[0]));
            LengthDistribution tails = statistics.tails().getOrDefault(type, new LengthDistribution(new long[0]));
            LengthDistribution age = statistics.stalenessSeconds().getOrDefault(type, new LengthDistribution(new long[0]));
            ObjectNode node = types.addObject().put("aggregateType", type).put("streams", lengths.count());
            node.putObject("length").put("p50", lengths.percentile(50)).put("p95", lengths.percentile(95))
                    .put("p99", lengths.percentile(99)).put("max", lengths.max());
            node.putObject("eventsSinceSnapshot").put("p50", tails.percentile(50)).put("p95", tails.percentile(95))
                    .put("max", tails.max());
            node.putObject("snapshotAgeSeconds").put("p50", age.percentile(50)).put("p95", age.percentile(95))
                    .put("max", age.max());
            Recommendation recommendation = Recommendation.forP95(lengths.percentile(95));
            node.put("recommendation", recommendation.name());
            node.put("verdict", recommendation.explain(lengths.percentile(95), Double.NaN)
                    .replace("; a p95 replay costs about NaN ms here, worth snapshots if that shows in your read latency",
                            "; run analyze to measure the replay cost"));
            if (raw) {
                ObjectNode values = node.putObject("raw");
                values.set("lengths", JSON.valueToTree(lengths.sorted()));
                values.set("tails", JSON.valueToTree(tails.sorted()));
                values.set("ages", JSON.valueToTree(age.sorted()));
            }
        }
        ArrayNode missing = root.putArray("unreachableInstances");
        unreachable.forEach(missing::add);
        return root;
    }

    private static HeadStatistics parse(JsonNode body) {
        Map<String, LengthDistribution> lengths = new TreeMap<>();
        Map<String, LengthDistribution> tails = new TreeMap<>();
        Map<String, LengthDistribution> ages = new TreeMap<>();
        for (JsonNode type : body.path("aggregateTypes")) {
            String name = type.path("aggregateType").asText();
            lengths.put(name, new LengthDistribution(longs(type.at("/raw/lengths"))));
            tails.put(name, new LengthDistribution(longs(type.at("/raw/tails"))));
            ages.put(name, new LengthDistribution(longs(type.at("/raw/ages"))));
        }
        return new HeadStatistics(lengths, tails, ages);
    }

    private static long[] longs(JsonNode array) {
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asLong();
        }
        return values;
    }

    private Reply rebuild(HttpExchange exchange) throws Exception {
        JsonNode body;
        try {
            body = JSON.readTree(exchange.getRequestBody());
        } catch (IOException e) {
            return Reply.error(400, "bad_request", "send {\"aggregateType\": \"<type>\"} as JSON");
        }
        String type = body == null ? "" : body.path("aggregateType").asText("");
        if (!sidecar.aggregateTypes().contains(type)) {
            return Reply.error(400, "bad_request", "aggregateType must be one of " + new java.util.TreeSet<>(
                    sidecar.aggregateTypes()) + ", was '" + type + "'");
        }
        int tasks = sidecar.requestRebuild(type);
        return Reply.json(202, JSON.createObjectNode().put("aggregateType", type).put("trackerTasks", tasks));
    }

    private Reply forward(HttpExchange exchange, String hostPort) throws Exception {
        URI uri = URI.create("http://" + hostPort + exchange.getRequestURI().getRawPath());
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header(FORWARDED, "true");
        Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization"))
                .ifPresent(a -> request.header("Authorization", a));
        request.method(exchange.getRequestMethod(), exchange.getRequestMethod().equals("POST")
                ? HttpRequest.BodyPublishers.ofByteArray(exchange.getRequestBody().readAllBytes())
                : HttpRequest.BodyPublishers.noBody());
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), "application/json", response.body());
        } catch (IOException e) {
            return Reply.error(502, "owner_unreachable", "the instance that owns this stream (" + hostPort
                    + ") did not answer: " + e.getClass().getSimpleName());
        }
    }

    private JsonNode get(HttpExchange exchange, String hostPort, String pathAndQuery)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + hostPort + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).header(FORWARDED, "true");
        Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization"))
                .ifPresent(a -> request.header("Authorization", a));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode());
        }
        return JSON.readTree(response.body());
    }

    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
    }
}
