package dev.snapshotsidecar.fold.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.snapshotsidecar.clinical.PrescriptionAggregator;
import dev.snapshotsidecar.clinical.PrescriptionState;
import dev.snapshotsidecar.fold.StoredEvent;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fold host in this JVM that speaks protocol 1 with the built-in Java prescription aggregator, and misbehaves on
 * demand: each queued {@link Fault} answers one call instead of the fold (a status, a delay, garbage). What the fault
 * tests run against; the real Node host runs in {@code NodeFoldHostIT}. Keeps every request body it got.
 */
public final class StubFoldHost implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** How one call is answered instead of folding; {@code delayMillis} first, then the status and body. */
    public record Fault(int status, String body, Map<String, String> headers, long delayMillis) {
        public static Fault status(int status) {
            return new Fault(status, "{\"protocol\":1,\"error\":\"internal-error\",\"reason\":\"down for a moment\"}",
                    Map.of(), 0);
        }

        public static Fault slow(long millis) {
            return new Fault(0, "", Map.of(), millis);
        }
    }

    private final HttpServer server;
    private final PrescriptionAggregator aggregator = new PrescriptionAggregator();
    public final ConcurrentLinkedDeque<Fault> faults = new ConcurrentLinkedDeque<>();
    public final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    public final List<Map<String, List<String>>> headers = Collections.synchronizedList(new ArrayList<>());
    public final AtomicInteger foldCalls = new AtomicInteger();
    public final AtomicInteger describeCalls = new AtomicInteger();
    public final AtomicInteger inFlight = new AtomicInteger();
    public final AtomicInteger maxInFlight = new AtomicInteger();
    public volatile int schemaVersion = 1;
    public volatile Optional<Fault> always = Optional.empty();
    public volatile long foldDelayMillis;

    public StubFoldHost() throws IOException {
        this(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
    }

    /** A host on HTTPS that requires a client certificate its trust material accepts: mutual TLS. */
    public static StubFoldHost mutualTls(javax.net.ssl.SSLContext context) throws IOException {
        com.sun.net.httpserver.HttpsServer server = com.sun.net.httpserver.HttpsServer.create(
                new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(context) {
            @Override
            public void configure(com.sun.net.httpserver.HttpsParameters params) {
                javax.net.ssl.SSLParameters parameters = context.getDefaultSSLParameters();
                parameters.setNeedClientAuth(true);
                params.setSSLParameters(parameters);
            }
        });
        return new StubFoldHost(server);
    }

    private StubFoldHost(HttpServer server) {
        this.server = server;
        server.createContext("/describe", this::describe);
        server.createContext("/fold", this::fold);
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.start();
    }

    public String url() {
        return (server instanceof com.sun.net.httpserver.HttpsServer ? "https" : "http") + "://127.0.0.1:"
                + server.getAddress().getPort();
    }

    private void describe(HttpExchange exchange) throws IOException {
        describeCalls.incrementAndGet();
        respond(exchange, 200, "{\"protocol\":1,\"aggregateTypes\":{\"prescription\":{\"schemaVersion\":"
                + schemaVersion + "}}}", Map.of());
    }

    private void fold(HttpExchange exchange) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
            foldCalls.incrementAndGet();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(body);
            headers.add(exchange.getRequestHeaders());
            Fault fault = Optional.ofNullable(faults.poll()).or(() -> always).orElse(null);
            if (fault != null) {
                sleep(fault.delayMillis());
                if (fault.status() > 0) {
                    respond(exchange, fault.status(), fault.body(), fault.headers());
                } else {
                    exchange.close(); // a slow call the client has given up on
                }
                return;
            }
            sleep(foldDelayMillis);
            JsonNode request = JSON.readTree(body);
            PrescriptionState state = request.get("from").isNull() ? aggregator.initialState()
                    : JSON.treeToValue(request.get("from").get("state"), PrescriptionState.class);
            long version = request.get("from").isNull() ? -1 : request.get("from").get("version").asLong();
            for (JsonNode e : request.get("events")) {
                StoredEvent event = new StoredEvent(request.get("streamId").asText(), e.get("version").asLong(),
                        e.get("type").asText(), e.get("data").toString(), Optional.empty(),
                        Instant.parse(e.get("createdAt").asText()));
                try {
                    state = aggregator.apply(state, event);
                } catch (RuntimeException failure) {
                    ObjectNode rejection = JSON.createObjectNode().put("protocol", 1)
                            .put("error", failure.getClass().getSimpleName().equals("UnknownEventTypeException")
                                    ? "unknown-event-type" : "invariant-violated")
                            .put("reason", "cannot apply " + event.eventType()).put("version", event.version());
                    respond(exchange, 422, rejection.toString(), Map.of());
                    return;
                }
                version = event.version();
            }
            // a serializer's own layout (spaces after the colons): stored byte for byte by the sidecar
            String stateText = JSON.writeValueAsString(state).replace("\":", "\": ");
            respond(exchange, 200, "{\"protocol\":1,\"version\":" + version + ",\"schemaVersion\":" + schemaVersion
                    + ",\"state\":" + stateText + "}", Map.of());
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private static void respond(HttpExchange exchange, int status, String body, Map<String, String> headers)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void sleep(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public void stop() {
        server.stop(0);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
