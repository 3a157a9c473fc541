package dev.snapshotsidecar.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.testing.Poll;
import dev.snapshotsidecar.track.HeadsQuery;
import dev.snapshotsidecar.track.RebuildProgress;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.track.StreamHead;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin server alone, over a stand-in sidecar and stand-in owners on loopback: its threading (probes beside
 * full admin threads, forwards that hold no thread), what a forwarded request carries, and how requests between
 * instances are checked. No broker or database: what the two-instance {@link AdminApiIT} cannot stage exactly.
 */
class AdminServerIT {
    static final String TOKEN = "s3cret-token";
    static final Duration PROBE_DEADLINE = Duration.ofSeconds(1);
    static final ObjectMapper JSON = new ObjectMapper();

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final FakeSidecar sidecar = new FakeSidecar();
    final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        sidecar.database.countDown();
        for (AutoCloseable closeable : closeAfter) {
            closeable.close();
        }
    }

    /** A sidecar that holds the heads it is given, owns what it is told, and reads the database behind a gate. */
    static final class FakeSidecar implements AdminOperations {
        final Map<String, StreamHead> heads = new ConcurrentHashMap<>();
        final Map<String, HeadsQuery.Owner> owners = new ConcurrentHashMap<>();
        final List<String> asked = new CopyOnWriteArrayList<>();
        volatile List<String> others = List.of();
        volatile CountDownLatch database = new CountDownLatch(0);

        @Override
        public boolean live() {
            return true;
        }

        @Override
        public List<String> notReadyBecause() {
            return List.of();
        }

        @Override
        public boolean started() {
            return true;
        }

        @Override
        public HeadsQuery.Owner owner(String streamId) {
            asked.add(streamId);
            return owners.getOrDefault(streamId, new HeadsQuery.Owner.Here());
        }

        @Override
        public Optional<StreamHead> head(String streamId) {
            return Optional.ofNullable(heads.get(streamId));
        }

        @Override
        public HeadStatistics localStatistics(long nowMillis) {
            return new HeadStatistics(Map.of("patient", new LengthDistribution(new long[]{120})), Map.of(), Map.of());
        }

        @Override
        public List<String> otherInstances() {
            return others;
        }

        @Override
        public LatestSnapshot latestSnapshot(String streamId, String aggregateType) {
            try {
                database.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new LatestSnapshot.Unavailable("interrupted");
            }
            return new LatestSnapshot.Known(Optional.of(new StoredSnapshot(streamId, 99, aggregateType, "{}", 1)));
        }

        @Override
        public SnapshotRequest requestSnapshot(String streamId, StreamHead head) {
            return SnapshotRequest.of(streamId, head.aggregateType(), head.headVersion(), head.snapshotVersion(),
                    RequestReason.MANUAL, Instant.now());
        }

        final List<String> resets = new CopyOnWriteArrayList<>();

        @Override
        public long resetHead(String streamId) {
            resets.add(streamId);
            return 41;
        }

        final List<Instant> rebuildsAskedAbout = new CopyOnWriteArrayList<>();

        @Override
        public int requestRebuild(String aggregateType, Instant requestedAt) {
            return 4;
        }

        @Override
        public RebuildProgress rebuildProgress(String aggregateType, Instant requestedAt) {
            rebuildsAskedAbout.add(requestedAt);
            // two tasks here: one finished, one walking
            return new RebuildProgress(aggregateType, 2, 0, 1, 1, 100, 80, 70, 10, 1);
        }

        @Override
        public int trackerTasks() {
            return 4;
        }

        @Override
        public InstanceStatus instanceStatus() {
            return new InstanceStatus("localhost:0", "RUNNING", new InstanceStatus.Partitions(List.of(0, 1),
                    List.of(2), "requests", List.of(0, 1)), new InstanceStatus.Limits(4, 50), Map.of("patient", 50),
                    new BuildHistory(Clock.systemUTC()).view());
        }

        @Override
        public Set<String> aggregateTypes() {
            return Set.of("patient");
        }

        @Override
        public long firstVersion() {
            return 0;
        }

        void has(String streamId) {
            heads.put(streamId, StreamHead.first("patient", 119, System.currentTimeMillis()));
        }
    }

    /** A request a stand-in owner received. */
    record Received(String method, String rawTarget, Map<String, List<String>> headers) {
        Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst();
        }
    }

    /** Another instance, played by a JDK server that records what it receives and answers {@code body}. */
    List<Received> standInOwner(int[] port, String body) throws IOException {
        List<Received> received = new CopyOnWriteArrayList<>();
        HttpServer owner = HttpServer.create(new InetSocketAddress("localhost", 0), 16);
        owner.createContext("/", exchange -> {
            URI uri = exchange.getRequestURI();
            received.add(new Received(exchange.getRequestMethod(),
                    uri.getRawQuery() == null ? uri.getRawPath() : uri.getRawPath() + "?" + uri.getRawQuery(),
                    Map.copyOf(exchange.getRequestHeaders())));
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        owner.start();
        closeAfter.add(() -> owner.stop(0));
        port[0] = owner.getAddress().getPort();
        return received;
    }

    AdminServer server(Optional<String> token, boolean readsOpen) throws IOException {
        AdminServer server = new AdminServer(new SidecarConfig.Http(0, "localhost", token, readsOpen), sidecar,
                new SidecarMetrics());
        closeAfter.add(0, server);
        return server;
    }

    record Response(int status, JsonNode json) {
        String error() {
            return json == null ? "" : json.path("error").asText();
        }
    }

    HttpRequest.Builder request(int port, String method, String rawTarget, Duration timeout) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + rawTarget)).timeout(timeout)
                .method(method, HttpRequest.BodyPublishers.noBody());
    }

    CompletableFuture<Response> send(HttpRequest request) {
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            boolean json = r.headers().firstValue("Content-Type").orElse("").startsWith("application/json");
            try {
                return new Response(r.statusCode(), json ? JSON.readTree(r.body()) : null);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    Response call(int port, String method, String rawTarget, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = request(port, method, rawTarget, Duration.ofSeconds(10));
        headers.forEach(request::header);
        return send(request.build()).get(10, TimeUnit.SECONDS);
    }

    Response get(int port, String rawTarget) throws Exception {
        return call(port, "GET", rawTarget, Map.of());
    }

    static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    /** Asserts the probes and the metrics each answer 200 within a second. */
    void assertProbesAnswer(int port) throws Exception {
        for (String probe : List.of("/health/live", "/health/ready", "/metrics")) {
            long started = System.nanoTime();
            int status = http.send(request(port, "GET", probe, PROBE_DEADLINE).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            assertThat(status).as(probe).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as(probe).isLessThan(PROBE_DEADLINE);
        }
    }

    @Test
    @DisplayName("with every admin thread stuck on the database and the queue full, probes and metrics still answer"
            + " at once and admin requests get 503 busy")
    void probesBesideFullAdminThreads() throws Exception {
        int port = server(Optional.of(TOKEN), true).port();
        sidecar.has("patient-1");
        sidecar.database = new CountDownLatch(1);
        int capacity = AdminServer.ADMIN_THREADS + AdminServer.ADMIN_QUEUE;
        List<CompletableFuture<Response>> lookups = new ArrayList<>();
        for (int i = 0; i < capacity + 10; i++) {
            lookups.add(send(request(port, "GET", "/streams/patient-1", Duration.ofSeconds(30)).build()));
        }
        Poll.until("10 lookups refused as busy", Duration.ofSeconds(10),
                () -> lookups.stream().filter(f -> f.isDone() && f.join().status() == 503).count() == 10,
                () -> lookups.stream().filter(CompletableFuture::isDone).map(f -> f.join().status()).toList().toString());
        assertProbesAnswer(port);

        sidecar.database.countDown();
        List<Response> responses = lookups.stream().map(CompletableFuture::join).toList();
        assertThat(responses).filteredOn(r -> r.status() == 200).hasSize(capacity)
                .allSatisfy(r -> assertThat(r.json().at("/database/latestSnapshotVersion").asLong()).isEqualTo(99));
        assertThat(responses).filteredOn(r -> r.status() == 503).hasSize(10).allSatisfy(r -> {
            assertThat(r.error()).isEqualTo("busy");
            assertThat(r.json().path("message").asText()).contains("try again");
        });
    }

    @Test
    @DisplayName("forwards to an owner that never answers hold no admin thread; beyond 32 in flight they are busy")
    void forwardsHoldNoThread() throws Exception {
        ServerSocket silent = new ServerSocket(0, 100, java.net.InetAddress.getLoopbackAddress());
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        Thread acceptor = new Thread(() -> {
            while (!silent.isClosed()) {
                try {
                    accepted.add(silent.accept());
                } catch (IOException e) {
                    return;
                }
            }
        }, "silent-owner");
        acceptor.setDaemon(true);
        acceptor.start();
        closeAfter.add(silent);
        int port = server(Optional.of(TOKEN), true).port();
        sidecar.has("patient-here");
        sidecar.owners.put("patient-far", new HeadsQuery.Owner.There("localhost", silent.getLocalPort()));

        int forwards = AdminServer.FORWARDS_IN_FLIGHT + 5;
        List<CompletableFuture<Response>> lookups = new ArrayList<>();
        for (int i = 0; i < forwards; i++) {
            lookups.add(send(request(port, "GET", "/streams/patient-far", Duration.ofSeconds(30)).build()));
            int sent = i + 1;
            // one at a time, so the admin queue never overflows: only the limit on forwards in flight may refuse
            Poll.until("forward " + sent + " dispatched", Duration.ofSeconds(5),
                    () -> sidecar.asked.size() == sent, () -> sidecar.asked.size() + " dispatched");
        }
        Poll.until("5 forwards refused as busy", Duration.ofSeconds(5),
                () -> lookups.stream().filter(f -> f.isDone() && f.join().status() == 503).count() == 5,
                () -> lookups.stream().filter(CompletableFuture::isDone).map(f -> f.join().status()).toList().toString());
        assertThat(lookups).filteredOn(f -> !f.isDone()).hasSize(AdminServer.FORWARDS_IN_FLIGHT);

        // more forwards wait than there are admin threads and queue places, yet a local lookup is served at once
        long started = System.nanoTime();
        Response local = send(request(port, "GET", "/streams/patient-here", Duration.ofSeconds(2)).build())
                .get(2, TimeUnit.SECONDS);
        assertThat(local.status()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        assertProbesAnswer(port);

        silent.close();
        for (Socket socket : accepted) {
            socket.close();
        }
        List<Response> responses = lookups.stream().map(CompletableFuture::join).toList();
        assertThat(responses).filteredOn(r -> r.status() == 503).hasSize(5)
                .allSatisfy(r -> assertThat(r.error()).isEqualTo("busy"));
        assertThat(responses).filteredOn(r -> r.status() != 503).hasSize(AdminServer.FORWARDS_IN_FLIGHT)
                .allSatisfy(r -> assertThat(r.error()).isIn("owner_unreachable", "owner_timeout"));
    }

    @Test
    @DisplayName("a forwarded lookup, snapshot request and aggregate-types fan-out carry an HMAC signature and never"
            + " the caller's token")
    void noCredentialForwarded() throws Exception {
        int[] ownerPort = new int[1];
        String share = "{\"aggregateTypes\":[{\"aggregateType\":\"patient\",\"raw\":{\"lengths\":[10,20,30],"
                + "\"tails\":[1,2,3],\"ages\":[5,5,5]}}]}";
        List<Received> received = standInOwner(ownerPort, share);
        int port = server(Optional.of(TOKEN), false).port();
        for (String id : List.of("patient-far", "patient-a+b", "patient-50%")) {
            sidecar.owners.put(id, new HeadsQuery.Owner.There("localhost", ownerPort[0]));
        }
        sidecar.others = List.of("localhost:" + ownerPort[0]);

        assertThat(call(port, "GET", "/streams/patient-far", bearer(TOKEN)).status()).isEqualTo(200);
        assertThat(call(port, "GET", "/streams/patient-a+b", bearer(TOKEN)).status()).isEqualTo(200);
        assertThat(call(port, "GET", "/streams/patient-50%25", bearer(TOKEN)).status()).isEqualTo(200);
        assertThat(call(port, "POST", "/streams/patient-far/snapshot", bearer(TOKEN)).status()).isEqualTo(200);
        Response types = call(port, "GET", "/aggregate-types", bearer(TOKEN));
        assertThat(types.status()).isEqualTo(200);
        assertThat(types.json().at("/aggregateTypes/0/streams").asInt()).as("1 local + 3 from the stand-in")
                .isEqualTo(4);
        assertThat(types.json().path("unreachableInstances")).isEmpty();

        assertThat(sidecar.asked).containsExactly("patient-far", "patient-a+b", "patient-50%", "patient-far");
        assertThat(received).extracting(Received::method, Received::rawTarget).containsExactly(
                org.assertj.core.groups.Tuple.tuple("GET", "/streams/patient-far"),
                org.assertj.core.groups.Tuple.tuple("GET", "/streams/patient-a+b"),
                org.assertj.core.groups.Tuple.tuple("GET", "/streams/patient-50%25"),
                org.assertj.core.groups.Tuple.tuple("POST", "/streams/patient-far/snapshot"),
                org.assertj.core.groups.Tuple.tuple("GET", "/aggregate-types?scope=local"));
        ForwardSignature receiver = new ForwardSignature(TOKEN, Clock.systemUTC());
        for (Received request : received) {
            assertThat(request.header("Authorization")).as(request.rawTarget()).isEmpty();
            assertThat(request.headers().values().stream().flatMap(List::stream)).as(request.rawTarget())
                    .noneMatch(value -> value.contains(TOKEN));
            assertThat(request.header(AdminServer.FORWARDED)).as(request.rawTarget()).contains("true");
            assertThat(receiver.refuse(request.method(), request.rawTarget(),
                    request.header(ForwardSignature.TIMESTAMP), request.header(ForwardSignature.SIGNATURE)))
                    .as(request.rawTarget()).isEmpty();
        }
    }

    @Test
    @DisplayName("without a token, forwarded reads carry no credential at all, and closed reads are disabled")
    void withoutToken() throws Exception {
        int[] ownerPort = new int[1];
        List<Received> received = standInOwner(ownerPort, "{}");
        sidecar.owners.put("patient-far", new HeadsQuery.Owner.There("localhost", ownerPort[0]));
        int open = server(Optional.empty(), true).port();
        assertThat(get(open, "/streams/patient-far").status()).isEqualTo(200);
        assertThat(received).singleElement().satisfies(request -> {
            assertThat(request.header("Authorization")).isEmpty();
            assertThat(request.header(ForwardSignature.SIGNATURE)).isEmpty();
            assertThat(request.header(ForwardSignature.TIMESTAMP)).isEmpty();
        });
        assertThat(call(open, "POST", "/streams/patient-far/snapshot", Map.of()).error()).isEqualTo("disabled");

        int closed = server(Optional.empty(), false).port();
        sidecar.has("patient-1");
        for (String path : List.of("/streams/patient-1", "/aggregate-types")) {
            Response response = get(closed, path);
            assertThat(response.status()).as(path).isEqualTo(403);
            assertThat(response.error()).as(path).isEqualTo("disabled");
            assertThat(response.json().path("message").asText()).as(path).contains("http.admin-token");
            assertThat(call(closed, "GET", path, Map.of(AdminServer.FORWARDED, "true")).status()).as(path)
                    .isEqualTo(403);
        }
        assertThat(call(closed, "POST", "/streams/patient-1/snapshot", bearer("anything")).status()).isEqualTo(403);
        assertProbesAnswer(closed);
    }

    @Test
    @DisplayName("a forwarded request needs a valid, recent signature, is served here and never forwarded again")
    void forwardedRequestsAreChecked() throws Exception {
        int[] ownerPort = new int[1];
        List<Received> received = standInOwner(ownerPort, "{}");
        int port = server(Optional.of(TOKEN), true).port();
        sidecar.has("patient-1");
        sidecar.owners.put("patient-far", new HeadsQuery.Owner.There("localhost", ownerPort[0]));
        ForwardSignature instance = new ForwardSignature(TOKEN, Clock.systemUTC());
        Map<String, String> forwarded = Map.of(AdminServer.FORWARDED, "true");

        Map<String, String> signed = new java.util.HashMap<>(forwarded);
        signed.putAll(instance.headers("GET", "/streams/patient-1"));
        assertThat(call(port, "GET", "/streams/patient-1", signed).status()).isEqualTo(200);

        Map<String, String> old = new java.util.HashMap<>(forwarded);
        old.putAll(new ForwardSignature(TOKEN, Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-60)))
                .headers("GET", "/streams/patient-1"));
        Map<String, String> wrongKey = new java.util.HashMap<>(forwarded);
        wrongKey.putAll(new ForwardSignature("another-token", Clock.systemUTC()).headers("GET", "/streams/patient-1"));
        Map<String, String> otherPath = new java.util.HashMap<>(forwarded);
        otherPath.putAll(instance.headers("GET", "/streams/patient-2"));
        Map<String, String> bearerOnly = new java.util.HashMap<>(forwarded);
        bearerOnly.putAll(bearer(TOKEN));
        for (Map<String, String> refused : List.of(forwarded, old, wrongKey, otherPath, bearerOnly)) {
            Response response = call(port, "GET", "/streams/patient-1", refused);
            assertThat(response.status()).as(refused.keySet().toString()).isEqualTo(401);
            assertThat(response.error()).isEqualTo("unauthorized");
        }
        Map<String, String> writeSigned = new java.util.HashMap<>(forwarded);
        writeSigned.putAll(instance.headers("POST", "/streams/patient-1/snapshot"));
        assertThat(call(port, "POST", "/streams/patient-1/snapshot", writeSigned).status()).isEqualTo(202);

        Map<String, String> elsewhere = new java.util.HashMap<>(forwarded);
        elsewhere.putAll(instance.headers("GET", "/streams/patient-far"));
        Response moving = call(port, "GET", "/streams/patient-far", elsewhere);
        assertThat(moving.status()).isEqualTo(503);
        assertThat(moving.json().path("message").asText()).contains("moving");
        assertThat(received).as("a forwarded request is never forwarded again").isEmpty();
    }

    @Test
    @DisplayName("an operator resets a head to the database's version with the token only, at the owner")
    void resetHead() throws Exception {
        int port = server(Optional.of(TOKEN), true).port();
        sidecar.has("patient-1");
        assertThat(call(port, "POST", "/streams/patient-1/reset-head", Map.of()).status()).isEqualTo(401);
        assertThat(call(port, "GET", "/streams/patient-1/reset-head", bearer(TOKEN)).status()).isEqualTo(404);
        assertThat(sidecar.resets).isEmpty();
        Response reset = call(port, "POST", "/streams/patient-1/reset-head", bearer(TOKEN));
        assertThat(reset.status()).isEqualTo(202);
        assertThat(reset.json().path("headVersion").asLong()).isEqualTo(41);
        assertThat(sidecar.resets).containsExactly("patient-1");
        assertThat(call(port, "POST", "/streams/patient-unknown/reset-head", bearer(TOKEN)).status()).isEqualTo(404);
    }

    @Test
    @DisplayName("stream ids are percent-decoded once: a plus stays a plus, %25 is a percent, %20 a space")
    void idsDecodedOnce() throws Exception {
        int port = server(Optional.of(TOKEN), true).port();
        for (String id : List.of("patient-a+b", "patient-50%", "patient-c d", "patient-x/y")) {
            sidecar.has(id);
        }
        Map<String, String> paths = Map.of("/streams/patient-a+b", "patient-a+b", "/streams/patient-50%25",
                "patient-50%", "/streams/patient-c%20d", "patient-c d", "/streams/patient-x%2Fy", "patient-x/y");
        for (Map.Entry<String, String> path : paths.entrySet()) {
            Response response = get(port, path.getKey());
            assertThat(response.status()).as(path.getKey()).isEqualTo(200);
            assertThat(response.json().path("streamId").asText()).as(path.getKey()).isEqualTo(path.getValue());
        }
        assertThat(get(port, "/streams/patient-a%2Bb").json().path("streamId").asText()).isEqualTo("patient-a+b");
        assertThat(get(port, "/streams/patient-a%2520b").status()).as("decoded once only")
                .isEqualTo(404);
        Response malformed = get(port, "/streams/patient-%C3");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.error()).isEqualTo("bad_request");
        assertThat(get(port, "/streams/patient-1/other").status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a rebuild's progress adds up every instance's share; POST /rebuilds answers where to follow it")
    void rebuildProgressOverInstances() throws Exception {
        int port = server(Optional.of(TOKEN), false).port();
        int[] otherPort = new int[1];
        List<Received> received = standInOwner(otherPort, "{\"aggregateType\":\"patient\",\"tasks\":{\"counted\":2,"
                + "\"waiting\":0,\"walking\":0,\"finished\":2},\"streams\":{\"total\":50,\"requested\":50,"
                + "\"answered\":50,\"pending\":0,\"failing\":0}}");
        sidecar.others = List.of("localhost:" + otherPort[0]);

        Response asked = call(port, "POST", "/rebuilds", bearer(TOKEN));
        assertThat(asked.status()).isEqualTo(400); // no body
        HttpRequest.Builder post = request(port, "POST", "/rebuilds", Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("{\"aggregateType\":\"patient\"}"));
        bearer(TOKEN).forEach(post::header);
        Response rebuild = send(post.build()).get(10, TimeUnit.SECONDS);
        assertThat(rebuild.status()).isEqualTo(202);
        String requestedAt = rebuild.json().path("requestedAt").asText();
        assertThat(rebuild.json().path("progress").asText()).isEqualTo("/rebuilds/patient?requestedAt=" + requestedAt);

        assertThat(get(port, "/rebuilds/patient").status()).as("reads are closed").isEqualTo(401);
        Response progress = call(port, "GET", rebuild.json().path("progress").asText(), bearer(TOKEN));
        assertThat(progress.status()).isEqualTo(200);
        JsonNode body = progress.json();
        assertThat(body.path("requestedAt").asText()).isEqualTo(requestedAt);
        assertThat(body.at("/tasks/expected").asInt()).isEqualTo(4);
        assertThat(body.at("/tasks/counted").asInt()).isEqualTo(4);
        assertThat(body.at("/tasks/walking").asInt()).isEqualTo(1);
        assertThat(body.at("/tasks/finished").asInt()).isEqualTo(3);
        assertThat(body.at("/streams/total").asLong()).isEqualTo(150);
        assertThat(body.at("/streams/requested").asLong()).isEqualTo(130);
        assertThat(body.at("/streams/answered").asLong()).isEqualTo(120);
        assertThat(body.at("/streams/pending").asLong()).isEqualTo(10);
        assertThat(body.at("/streams/failing").asLong()).isEqualTo(1);
        assertThat(body.path("complete").asBoolean()).isFalse();
        assertThat(body.path("unreachableInstances")).isEmpty();
        assertThat(sidecar.rebuildsAskedAbout).containsExactly(Instant.parse(requestedAt));
        // the other instance was asked for its own share of the same rebuild, signed
        assertThat(received).hasSize(1);
        assertThat(received.get(0).rawTarget()).isEqualTo("/rebuilds/patient?scope=local&requestedAt=" + requestedAt);
        assertThat(received.get(0).header("X-Sidecar-Signature")).isPresent();

        assertThat(call(port, "GET", "/rebuilds/nope", bearer(TOKEN)).error()).isEqualTo("unknown_type");
        assertThat(call(port, "GET", "/rebuilds/patient?requestedAt=yesterday", bearer(TOKEN)).status())
                .isEqualTo(400);
        Response local = call(port, "GET", "/rebuilds/patient?scope=local", bearer(TOKEN));
        assertThat(local.json().at("/streams/total").asLong()).isEqualTo(100);
        assertThat(local.json().path("requestedAt").isNull()).isTrue();
    }

    @Test
    @DisplayName("the status page follows the reads' access: with reads closed a browser is asked for the token as a"
            + " Basic password; the page loads nothing from elsewhere")
    void statusPageAccess() throws Exception {
        int port = server(Optional.of(TOKEN), false).port();
        HttpResponse<String> refused = http.send(request(port, "GET", "/", Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue(
                "Basic realm=\"snapshot-sidecar\", charset=\"UTF-8\"");
        for (String password : List.of("wrong", "")) {
            HttpResponse<String> wrong = http.send(request(port, "GET", "/", Duration.ofSeconds(10))
                    .header("Authorization", basic("operator", password)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(wrong.statusCode()).isEqualTo(401);
        }
        assertThat(call(port, "GET", "/aggregate-types", Map.of("Authorization", basic("operator", TOKEN))).status())
                .as("Basic is for the page only").isEqualTo(401);
        for (Map<String, String> credential : List.of(Map.of("Authorization", basic("operator", TOKEN)),
                bearer(TOKEN))) {
            HttpRequest.Builder page = request(port, "GET", "/?refresh=30", Duration.ofSeconds(10));
            credential.forEach(page::header);
            HttpResponse<String> shown = http.send(page.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(shown.statusCode()).isEqualTo(200);
            assertThat(shown.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(shown.headers().firstValue("Content-Security-Policy").orElseThrow())
                    .startsWith("default-src 'none'");
            assertThat(shown.body()).startsWith("<!doctype html>").contains("<svg", "data-metric=",
                    "<meta http-equiv=\"refresh\" content=\"30\">", "patient").doesNotContain("<script");
        }
        assertThat(call(port, "POST", "/", bearer(TOKEN)).status()).isEqualTo(404);
    }

    static String basic(String user, String password) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
    }
}
