package dev.snapshotsidecar.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.track.HeadsQuery;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.track.StreamHead;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Health, metrics and the admin API over HTTP. The JDK's own HTTP server (module jdk.httpserver) serves it: Javalin 7
 * would bring Jetty 12.1 into a JVM whose embedded Kafka Connect (the demo's) runs on Jetty 12.0.
 *
 * <ul>
 *   <li>{@code GET /health/live}, {@code GET /health/ready}: 200 or 503 with the reasons;</li>
 *   <li>{@code GET /metrics}: Prometheus text;</li>
 *   <li>{@code GET /streams/{id}}: the stream's head and latest snapshot, answered by the instance that owns it
 *       (requests are forwarded once); {@code id} is one percent-encoded path segment ({@code +} is a plus). While
 *       the database does not answer, the head comes with {@code "database": {"available": false, "reason": ...}};</li>
 *   <li>{@code GET /aggregate-types}: per type, stream lengths, events since snapshot, snapshot age and the
 *       measure-first recommendation, over every instance; and this instance's estimate of the type's replay cost
 *       (per event, and of the tails), from the worker's builds;</li>
 *   <li>{@code GET /rebuilds/{type}[?requestedAt=]}: the progress of a rebuild over every instance;</li>
 *   <li>{@code GET /[?refresh=N]}: the status page ({@link StatusPage}), HTML;</li>
 *   <li>{@code POST /streams/{id}/snapshot}, {@code POST /streams/{id}/reset-head} (the head back to the
 *       database's last version of the stream) and {@code POST /rebuilds} ({@code {"aggregateType": "patient"}},
 *       answered with the {@code requestedAt} that names the rebuild).</li>
 * </ul>
 * Every error is JSON: {@code {"error": "...", "message": "..."}}.
 *
 * <h2>Threads</h2>
 * Three kinds of work never share a thread, and none runs on a stream thread:
 * <ul>
 *   <li><b>I/O threads</b> ({@value #IO_THREADS}, {@code http-io}), the server's executor, read every request. They
 *       answer the probes and {@code /metrics} themselves, from state other threads keep current (the database
 *       verdict of {@link AdminDatabase}, the tracker's and the worker's state), check credentials, refuse what is
 *       refused, and hand every admin request off. They never wait on the database, Kafka or another instance, so
 *       admin work, however slow, can never hold up a probe.</li>
 *   <li><b>Admin threads</b> ({@value #ADMIN_THREADS}, {@code http-admin}, with a queue of {@value #ADMIN_QUEUE})
 *       serve clients' admin requests. Their database reads go to {@link AdminDatabase}'s own small pool, never the
 *       builders'. When all of them are busy and the queue is full, the I/O thread answers 503 {@code busy} at
 *       once.</li>
 *   <li><b>Forwarded threads</b> ({@value #FORWARDED_THREADS}, {@code http-forwarded}, queue of
 *       {@value #FORWARDED_QUEUE}) serve what another instance forwarded (header {@value #FORWARDED}). A forwarded
 *       request is answered here or refused, never forwarded again, so A&rarr;B and B&rarr;A lookups cannot wait on
 *       each other.</li>
 * </ul>
 * A forward to the owner and the {@code /aggregate-types} fan-out are sent asynchronously: the reply is written from
 * the HTTP client's completion, and no admin thread waits on another instance. At most {@value #FORWARDS_IN_FLIGHT}
 * are in flight at once (503 {@code busy} beyond), each for at most {@link #FORWARD_TIMEOUT}.
 *
 * <h2>Authentication</h2>
 * Probes and {@code /metrics} are open. Writes need {@code Authorization: Bearer <http.admin-token>} and are off
 * (403 {@code disabled}) without a token configured; reads need it too unless {@code http.reads-open} is true, and
 * are off when they are closed and no token is configured. A wrong or missing token is 401. The status page, which
 * the reads' rules cover, also takes the token as the password of HTTP Basic authentication, so that a browser can
 * ask for it. The caller's
 * credential is never passed on: a forwarded request carries an HMAC signature over its method, raw target and
 * time, keyed by the shared token ({@link ForwardSignature}), which the receiving instance checks instead of a
 * bearer token (401 when missing, wrong or older than {@link ForwardSignature#WINDOW}). Without a token configured,
 * which only open reads allow, forwarded reads carry no credential at all.
 *
 * <p>Lifecycle: the constructor binds the port and starts serving; {@link #close()} stops it.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String FORWARDED = "X-Sidecar-Forwarded";
    static final int IO_THREADS = 2;
    static final int ADMIN_THREADS = 4;
    static final int ADMIN_QUEUE = 16;
    static final int FORWARDED_THREADS = 2;
    static final int FORWARDED_QUEUE = 16;
    static final int FORWARDS_IN_FLIGHT = 32;
    static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(10);
    /** How old this instance's statistics may be on the status page before they are computed again. */
    static final Duration PAGE_STATISTICS_MAX_AGE = Duration.ofSeconds(5);
    private static final int MAX_BODY_BYTES = 64 * 1024;

    private final HttpServer server;
    private final ExecutorService io;
    private final ThreadPoolExecutor admin;
    private final ThreadPoolExecutor forwarded;
    private final Semaphore forwards = new Semaphore(FORWARDS_IN_FLIGHT);
    private final SidecarConfig.Http config;
    private final Optional<ForwardSignature> signature;
    private final AdminOperations sidecar;
    private final SidecarMetrics metrics;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3)).build();

    public AdminServer(SidecarConfig.Http config, AdminOperations sidecar, SidecarMetrics metrics) throws IOException {
        this.config = config;
        this.signature = config.adminToken().map(token -> new ForwardSignature(token, Clock.systemUTC()));
        this.sidecar = sidecar;
        this.metrics = metrics;
        this.io = Executors.newFixedThreadPool(IO_THREADS, daemonThreads("http-io"));
        this.admin = boundedPool(ADMIN_THREADS, ADMIN_QUEUE, "http-admin");
        this.forwarded = boundedPool(FORWARDED_THREADS, FORWARDED_QUEUE, "http-forwarded");
        this.server = HttpServer.create(new InetSocketAddress(Math.max(config.port(), 0)), 64);
        server.setExecutor(io);
        server.createContext("/", this::handle);
        server.start();
        LOG.info("health, metrics and admin API on port {}", port());
    }

    private static ThreadPoolExecutor boundedPool(int threads, int queue, String name) {
        // no caller-runs policy: the caller is an I/O thread, which must stay free; a full pool answers 503
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queue),
                daemonThreads(name), new ThreadPoolExecutor.AbortPolicy());
    }

    private static ThreadFactory daemonThreads(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private record Reply(int status, String contentType, String body, Map<String, String> headers) {
        Reply(int status, String contentType, String body) {
            this(status, contentType, body, Map.of());
        }

        static Reply json(int status, JsonNode body) {
            return new Reply(status, "application/json; charset=utf-8", body.toString());
        }

        static Reply error(int status, String error, String message) {
            return json(status, JSON.createObjectNode().put("error", error).put("message", message));
        }

        static CompletableFuture<Reply> now(Reply reply) {
            return CompletableFuture.completedFuture(reply);
        }
    }

    /** An admin endpoint, parsed from the raw path; {@code name} is the stream id, or the type of a rebuild. */
    private record Endpoint(Kind kind, String name) {
        enum Kind { LOOKUP, SNAPSHOT, RESET_HEAD, AGGREGATE_TYPES, REBUILD, REBUILD_PROGRESS, STATUS_PAGE }

        boolean write() {
            return kind == Kind.SNAPSHOT || kind == Kind.RESET_HEAD || kind == Kind.REBUILD;
        }
    }

    /** On an I/O thread: answers probes, metrics and refusals here, hands admin requests off. */
    private void handle(HttpExchange exchange) {
        try {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            if (method.equals("GET") && path.equals("/health/live")) {
                boolean live = sidecar.live();
                respond(exchange, Reply.json(live ? 200 : 503,
                        JSON.createObjectNode().put("status", live ? "UP" : "DOWN")));
                return;
            }
            if (method.equals("GET") && path.equals("/health/ready")) {
                List<String> reasons = sidecar.notReadyBecause();
                ObjectNode body = JSON.createObjectNode().put("status", reasons.isEmpty() ? "UP" : "DOWN");
                ArrayNode because = body.putArray("reasons");
                reasons.forEach(because::add);
                respond(exchange, Reply.json(reasons.isEmpty() ? 200 : 503, body));
                return;
            }
            if (method.equals("GET") && path.equals("/metrics")) {
                respond(exchange, new Reply(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
                return;
            }
            Endpoint endpoint;
            try {
                Optional<Endpoint> parsed = endpoint(method, path);
                if (parsed.isEmpty()) {
                    respond(exchange, Reply.error(404, "not_found", "no such endpoint: " + method + " " + path
                            + "; try /, /health/ready, /metrics, /streams/{id}, /aggregate-types, /rebuilds/{type}"));
                    return;
                }
                endpoint = parsed.get();
            } catch (IllegalArgumentException e) {
                respond(exchange, Reply.error(400, "bad_request", "the stream id in " + path + " is not a valid"
                        + " percent-encoded path segment: " + e.getMessage()));
                return;
            }
            boolean fromInstance = exchange.getRequestHeaders().containsKey(FORWARDED);
            Optional<Reply> refused = fromInstance ? authorizeInstance(exchange, endpoint.write())
                    : authorizeClient(exchange, endpoint.write(), endpoint.kind() == Endpoint.Kind.STATUS_PAGE);
            if (refused.isPresent()) {
                respond(exchange, refused.get());
                return;
            }
            try {
                (fromInstance ? forwarded : admin).execute(() -> serve(exchange, endpoint, fromInstance));
            } catch (RejectedExecutionException e) {
                respond(exchange, busy(fromInstance
                        ? "this instance is busy with requests forwarded by other instances"
                        : "the admin API is busy: " + ADMIN_THREADS + " requests run and " + ADMIN_QUEUE + " wait"));
            }
        } catch (RuntimeException e) {
            respond(exchange, internal(exchange, e));
        }
    }

    /** The admin endpoint a raw path names, if any. */
    private static Optional<Endpoint> endpoint(String method, String rawPath) {
        if (rawPath.equals("/")) {
            return method.equals("GET") ? Optional.of(new Endpoint(Endpoint.Kind.STATUS_PAGE, "")) : Optional.empty();
        }
        if (rawPath.equals("/aggregate-types")) {
            return method.equals("GET") ? Optional.of(new Endpoint(Endpoint.Kind.AGGREGATE_TYPES, ""))
                    : Optional.empty();
        }
        if (rawPath.equals("/rebuilds")) {
            return method.equals("POST") ? Optional.of(new Endpoint(Endpoint.Kind.REBUILD, "")) : Optional.empty();
        }
        if (rawPath.startsWith("/rebuilds/")) {
            String rawType = rawPath.substring("/rebuilds/".length());
            return method.equals("GET") && !rawType.isEmpty() && !rawType.contains("/")
                    ? Optional.of(new Endpoint(Endpoint.Kind.REBUILD_PROGRESS, PathSegment.decode(rawType)))
                    : Optional.empty();
        }
        if (!rawPath.startsWith("/streams/")) {
            return Optional.empty();
        }
        String rest = rawPath.substring("/streams/".length());
        Endpoint.Kind kind = rest.endsWith("/snapshot") ? Endpoint.Kind.SNAPSHOT
                : rest.endsWith("/reset-head") ? Endpoint.Kind.RESET_HEAD : Endpoint.Kind.LOOKUP;
        String rawId = switch (kind) {
            case SNAPSHOT -> rest.substring(0, rest.length() - "/snapshot".length());
            case RESET_HEAD -> rest.substring(0, rest.length() - "/reset-head".length());
            default -> rest;
        };
        // the raw path still has its escapes, so a '/' here separates segments; an id's own is written %2F
        if (rawId.isEmpty() || rawId.contains("/") || !method.equals(kind == Endpoint.Kind.LOOKUP ? "GET" : "POST")) {
            return Optional.empty();
        }
        return Optional.of(new Endpoint(kind, PathSegment.decode(rawId)));
    }

    /**
     * @param page the status page, for browsers: the token is also taken as the password of HTTP Basic
     *             authentication (any user name), and a refusal asks the browser for it
     */
    private Optional<Reply> authorizeClient(HttpExchange exchange, boolean write, boolean page) {
        if (!write && config.readsOpen()) {
            return Optional.empty();
        }
        if (config.adminToken().isEmpty()) {
            return Optional.of(disabled(write));
        }
        String header = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization")).orElse("");
        String presented = header;
        if (page && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            presented = "Bearer " + basicPassword(header.substring(6).trim());
        }
        byte[] expected = ("Bearer " + config.adminToken().get()).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.UTF_8))) {
            Reply refused = Reply.error(401, "unauthorized", page
                    ? "the status page needs the admin token: as the password when the browser asks, or as"
                    + " 'Authorization: Bearer <token>'" : "send the admin token as 'Authorization: Bearer <token>'");
            return Optional.of(page ? new Reply(refused.status(), refused.contentType(), refused.body(),
                    Map.of("WWW-Authenticate", "Basic realm=\"snapshot-sidecar\", charset=\"UTF-8\"")) : refused);
        }
        return Optional.empty();
    }

    /** The password of HTTP Basic credentials ({@code base64(user:password)}); empty when they are not that. */
    private static String basicPassword(String encoded) {
        try {
            String decoded = new String(java.util.Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? "" : decoded.substring(colon + 1);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    /** A forwarded request: the HMAC of the forwarding instance stands in for the caller's credential. */
    private Optional<Reply> authorizeInstance(HttpExchange exchange, boolean write) {
        if (signature.isEmpty()) {
            // without a token no instance signs: only open reads may be forwarded
            return !write && config.readsOpen() ? Optional.empty() : Optional.of(disabled(write));
        }
        return signature.get().refuse(exchange.getRequestMethod(), rawTarget(exchange.getRequestURI()),
                        Optional.ofNullable(exchange.getRequestHeaders().getFirst(ForwardSignature.TIMESTAMP)),
                        Optional.ofNullable(exchange.getRequestHeaders().getFirst(ForwardSignature.SIGNATURE)))
                .map(reason -> Reply.error(401, "unauthorized", reason));
    }

    private static Reply disabled(boolean write) {
        return Reply.error(403, "disabled", write
                ? "write endpoints are off: set http.admin-token (SIDECAR_HTTP_ADMIN_TOKEN) to turn them on"
                : "read endpoints need a token but none is configured: set http.admin-token, or open reads with"
                + " http.reads-open: true");
    }

    private static Reply busy(String what) {
        return Reply.error(503, "busy", what + "; try again in a few seconds");
    }

    private static String rawTarget(URI uri) {
        return uri.getRawQuery() == null ? uri.getRawPath() : uri.getRawPath() + "?" + uri.getRawQuery();
    }

    /** On an admin or forwarded thread: computes the reply, or starts the forward that will complete it. */
    private void serve(HttpExchange exchange, Endpoint endpoint, boolean fromInstance) {
        CompletableFuture<Reply> reply;
        try {
            if (!sidecar.started()) {
                reply = Reply.now(Reply.error(503, "unavailable",
                        "the sidecar is starting; try again in a few seconds"));
            } else {
                reply = switch (endpoint.kind()) {
                    case LOOKUP, SNAPSHOT, RESET_HEAD -> stream(exchange, endpoint, fromInstance);
                    case AGGREGATE_TYPES -> aggregateTypes(exchange, fromInstance);
                    case REBUILD -> Reply.now(rebuild(exchange));
                    case REBUILD_PROGRESS -> rebuildProgress(exchange, endpoint.name(), fromInstance);
                    case STATUS_PAGE -> statusPage(exchange);
                };
            }
        } catch (HeadsQuery.TrackerUnavailableException e) {
            reply = Reply.now(Reply.error(503, "unavailable", e.getMessage()));
        } catch (Exception e) {
            reply = Reply.now(internal(exchange, e));
        }
        reply.whenComplete((r, error) -> respond(exchange, error == null ? r : internal(exchange, error)));
    }

    private CompletableFuture<Reply> stream(HttpExchange exchange, Endpoint endpoint, boolean fromInstance)
            throws Exception {
        String streamId = endpoint.name();
        HeadsQuery.Owner owner = sidecar.owner(streamId);
        if (owner instanceof HeadsQuery.Owner.Unknown) {
            return Reply.now(Reply.error(503, "unavailable", "no instance owns " + streamId + " right now (starting"
                    + " or rebalancing); try again in a few seconds"));
        }
        if (owner instanceof HeadsQuery.Owner.There there) {
            if (fromInstance) {
                return Reply.now(Reply.error(503, "unavailable", "ownership of " + streamId + " is moving; try again"));
            }
            return forward(exchange, there.host() + ":" + there.port());
        }
        Optional<StreamHead> head = sidecar.head(streamId);
        if (head.isEmpty() || head.get().isErased()) {
            return Reply.now(Reply.error(404, "unknown_stream", "the tracker has seen no event of " + streamId
                    + "; check the stream id and that its aggregate type is configured"));
        }
        if (endpoint.kind() == Endpoint.Kind.SNAPSHOT) {
            SnapshotRequest request = sidecar.requestSnapshot(streamId, head.get());
            return Reply.now(Reply.json(202, JSON.createObjectNode().put("streamId", streamId)
                    .put("requestedVersion", request.headVersion()).put("reason", request.reason().name())));
        }
        if (endpoint.kind() == Endpoint.Kind.RESET_HEAD) {
            long version = sidecar.resetHead(streamId);
            return Reply.now(Reply.json(202, JSON.createObjectNode().put("streamId", streamId)
                    .put("previousHeadVersion", head.get().headVersion()).put("headVersion", version)));
        }
        return Reply.now(Reply.json(200, describe(streamId, head.get())));
    }

    private JsonNode describe(String streamId, StreamHead h) {
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
        AdminOperations.LatestSnapshot latest = sidecar.latestSnapshot(streamId, h.aggregateType());
        if (latest instanceof AdminOperations.LatestSnapshot.Known known) {
            database.put("available", true);
            known.snapshot().ifPresentOrElse(
                    s -> database.put("latestSnapshotVersion", s.version()).put("schemaVersion", s.schemaVersion()),
                    () -> database.putNull("latestSnapshotVersion"));
        } else if (latest instanceof AdminOperations.LatestSnapshot.Unavailable unavailable) {
            database.put("available", false).put("reason", unavailable.reason());
        }
        return body;
    }

    private CompletableFuture<Reply> aggregateTypes(HttpExchange exchange, boolean fromInstance) {
        HeadStatistics local = sidecar.localStatistics(System.currentTimeMillis());
        // another instance asks for this one's share only, and a forwarded request never fans out again
        boolean localOnly = fromInstance || "scope=local".equals(exchange.getRequestURI().getRawQuery());
        if (localOnly) {
            return Reply.now(Reply.json(200, render(local, true, List.of())));
        }
        return gather("/aggregate-types?scope=local", AdminServer::parse).thenApply(gathered -> {
            HeadStatistics all = local;
            for (HeadStatistics share : gathered.shares()) {
                all = all.merge(share);
            }
            return Reply.json(200, render(all, false, gathered.unreachable()));
        });
    }

    /** The shares the other instances answered with, and the instances that did not answer. */
    private record Gathered<T>(List<T> shares, List<String> unreachable) {
    }

    /** Asks every other instance for its share at {@code target}; never completes exceptionally. */
    private <T> CompletableFuture<Gathered<T>> gather(String target, java.util.function.Function<JsonNode, T> read) {
        List<String> others = sidecar.otherInstances();
        List<CompletableFuture<Optional<T>>> shares = others.stream().map(other -> shareOf(other, target, read))
                .toList();
        return CompletableFuture.allOf(shares.toArray(new CompletableFuture<?>[0])).thenApply(done -> {
            List<T> answered = new ArrayList<>();
            List<String> unreachable = new ArrayList<>();
            for (int i = 0; i < others.size(); i++) {
                Optional<T> share = shares.get(i).join();
                if (share.isPresent()) {
                    answered.add(share.get());
                } else {
                    unreachable.add(others.get(i));
                }
            }
            return new Gathered<>(answered, unreachable);
        });
    }

    /** Another instance's share, or empty when it cannot be asked now; never completes exceptionally. */
    private <T> CompletableFuture<Optional<T>> shareOf(String hostPort, String target,
                                                       java.util.function.Function<JsonNode, T> read) {
        String what = target.substring(0, target.indexOf('?'));
        if (!forwards.tryAcquire()) {
            LOG.warn("{}: {} not asked, {} requests to other instances are in flight already", what, hostPort,
                    FORWARDS_IN_FLIGHT);
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return send(hostPort, "GET", target).handle((response, error) -> {
            forwards.release();
            if (error != null) {
                LOG.warn("{}: {} did not answer ({})", what, hostPort, cause(error).getClass().getSimpleName());
                return Optional.empty();
            }
            if (response.statusCode() != 200) {
                LOG.warn("{}: {} answered HTTP {}", what, hostPort, response.statusCode());
                return Optional.empty();
            }
            try {
                return Optional.of(read.apply(JSON.readTree(response.body())));
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: {} answered with JSON this instance cannot read", what, hostPort);
                return Optional.empty();
            }
        });
    }

    private JsonNode render(HeadStatistics statistics, boolean raw, List<String> unreachable) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode types = root.putArray("aggregateTypes");
        Map<String, ReplayCostEstimate> costs = sidecar.replayCosts();
        for (String type : new TreeSet<>(sidecar.aggregateTypes())) {
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
            ReplayCostEstimate cost = costs.get(type);
            if (cost != null) {
                // this instance's estimate: every tracker task hears every worker's measurements
                ObjectNode replay = node.putObject("replayCost").put("basis", cost.basis())
                        .put("microsPerEvent", Math.round(cost.microsPerEvent() * 100) / 100.0)
                        .put("bytesPerEvent", Math.round(cost.bytesPerEvent()))
                        .put("measuredEvents", cost.measuredEvents());
                replay.putObject("eventsSinceSnapshotMillis")
                        .put("p50", Math.round(cost.millisFor(tails.percentile(50)) * 10) / 10.0)
                        .put("p95", Math.round(cost.millisFor(tails.percentile(95)) * 10) / 10.0)
                        .put("max", Math.round(cost.millisFor(tails.max()) * 10) / 10.0);
                cost.limit().ifPresent(limit -> replay.put("limitMillis", limit.toMillis()));
            }
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

    /**
     * {@code GET /[?refresh=N]}: the status page ({@link StatusPage}). This instance's statistics are the ones its
     * gauges show, computed again when older than {@link #PAGE_STATISTICS_MAX_AGE} (and published to the gauges
     * then), so that the page and {@code /metrics} agree; the other instances' shares are asked for as
     * {@code /aggregate-types} asks for them.
     */
    private CompletableFuture<Reply> statusPage(HttpExchange exchange) {
        long now = System.currentTimeMillis();
        int refresh = refreshSeconds(QueryString.parse(exchange.getRequestURI().getRawQuery()).get("refresh"));
        List<String> types = List.copyOf(new TreeSet<>(sidecar.aggregateTypes()));
        Map<String, dev.snapshotsidecar.track.RebuildProgress> rebuilds = new TreeMap<>();
        List<String> notReady = new ArrayList<>(sidecar.notReadyBecause());
        SidecarMetrics.Published local;
        try {
            local = metrics.published().filter(p -> now - p.atMillis() <= PAGE_STATISTICS_MAX_AGE.toMillis())
                    .orElseGet(() -> {
                        HeadStatistics statistics = sidecar.localStatistics(now);
                        metrics.update(statistics, now);
                        return new SidecarMetrics.Published(statistics, now);
                    });
            types.forEach(type -> rebuilds.put(type, sidecar.rebuildProgress(type, Instant.EPOCH)));
        } catch (HeadsQuery.TrackerUnavailableException e) {
            // starting or rebalancing: the page still shows the rest, and the last statistics there are
            notReady.add(e.getMessage());
            local = metrics.published().orElse(new SidecarMetrics.Published(new HeadStatistics(Map.of(), Map.of(),
                    Map.of()), 0));
        }
        InstanceStatus status = sidecar.instanceStatus();
        SidecarMetrics.Published shown = local;
        return gather("/aggregate-types?scope=local", AdminServer::parse).thenApply(gathered -> {
            HeadStatistics all = shown.statistics();
            for (HeadStatistics share : gathered.shares()) {
                all = all.merge(share);
            }
            List<String> instances = new ArrayList<>();
            instances.add(status.instance());
            sidecar.otherInstances().stream().filter(i -> !gathered.unreachable().contains(i))
                    .forEach(instances::add);
            String html = StatusPage.render(new StatusPage.Model(types, all, shown, instances,
                    gathered.unreachable(), rebuilds, status, notReady, metrics.registry(), refresh));
            return new Reply(200, "text/html; charset=utf-8", html, Map.of(
                    // nothing but this document and its inline styles: no script, no request elsewhere
                    "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none';"
                            + " form-action 'none'; frame-ancestors 'none'",
                    "X-Content-Type-Options", "nosniff", "Cache-Control", "no-store"));
        });
    }

    /** The page's reload interval: {@code refresh} seconds between 5 and 3600, or 0 (none) when absent or bad. */
    private static int refreshSeconds(String refresh) {
        try {
            return refresh == null ? 0 : Math.max(5, Math.min(3600, Integer.parseInt(refresh)));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private Reply rebuild(HttpExchange exchange) throws Exception {
        JsonNode body;
        try {
            body = JSON.readTree(exchange.getRequestBody().readNBytes(MAX_BODY_BYTES));
        } catch (IOException e) {
            return Reply.error(400, "bad_request", "send {\"aggregateType\": \"<type>\"} as JSON");
        }
        String type = body == null ? "" : body.path("aggregateType").asText("");
        if (!sidecar.aggregateTypes().contains(type)) {
            return Reply.error(400, "bad_request", "aggregateType must be one of " + new TreeSet<>(
                    sidecar.aggregateTypes()) + ", was '" + type + "'");
        }
        Instant requestedAt = Instant.now();
        int tasks = sidecar.requestRebuild(type, requestedAt);
        return Reply.json(202, JSON.createObjectNode().put("aggregateType", type).put("trackerTasks", tasks)
                .put("requestedAt", requestedAt.toString())
                .put("progress", "/rebuilds/" + PathSegment.encode(type) + "?requestedAt=" + requestedAt));
    }

    /**
     * {@code GET /rebuilds/{type}[?requestedAt=<ISO-8601 instant>]}: the progress of the rebuild of the type asked
     * for then (without it: of whichever rebuild each task holds), over every instance unless {@code scope=local}.
     */
    private CompletableFuture<Reply> rebuildProgress(HttpExchange exchange, String type, boolean fromInstance) {
        if (!sidecar.aggregateTypes().contains(type)) {
            return Reply.now(Reply.error(404, "unknown_type", "no aggregate type " + type + "; the types are "
                    + new TreeSet<>(sidecar.aggregateTypes())));
        }
        Map<String, String> query = QueryString.parse(exchange.getRequestURI().getRawQuery());
        Instant requestedAt;
        try {
            requestedAt = query.containsKey("requestedAt") ? Instant.parse(query.get("requestedAt")) : Instant.EPOCH;
        } catch (java.time.format.DateTimeParseException e) {
            return Reply.now(Reply.error(400, "bad_request", "requestedAt must be an ISO-8601 instant such as"
                    + " 2026-11-28T09:30:00.123Z, as POST /rebuilds answers it"));
        }
        dev.snapshotsidecar.track.RebuildProgress local = sidecar.rebuildProgress(type, requestedAt);
        if (fromInstance || "local".equals(query.get("scope"))) {
            return Reply.now(Reply.json(200, new RebuildProgressView(local, requestedAt, sidecar.trackerTasks(),
                    List.of()).json()));
        }
        String target = "/rebuilds/" + PathSegment.encode(type) + "?scope=local"
                + (query.containsKey("requestedAt") ? "&requestedAt=" + requestedAt : "");
        return gather(target, RebuildProgressView::share).thenApply(gathered -> {
            dev.snapshotsidecar.track.RebuildProgress all = local;
            for (dev.snapshotsidecar.track.RebuildProgress share : gathered.shares()) {
                all = all.plus(share);
            }
            return Reply.json(200, new RebuildProgressView(all, requestedAt, sidecar.trackerTasks(),
                    gathered.unreachable()).json());
        });
    }

    /** Relays the request to the owner; the returned reply completes when the owner answers or the forward fails. */
    private CompletableFuture<Reply> forward(HttpExchange exchange, String hostPort) {
        if (!forwards.tryAcquire()) {
            return Reply.now(busy("this instance is waiting on other instances for " + FORWARDS_IN_FLIGHT
                    + " requests already"));
        }
        return send(hostPort, exchange.getRequestMethod(), exchange.getRequestURI().getRawPath())
                .handle((response, error) -> {
                    forwards.release();
                    if (error == null) {
                        return new Reply(response.statusCode(), response.headers().firstValue("Content-Type")
                                .orElse("application/json; charset=utf-8"), response.body());
                    }
                    Throwable cause = cause(error);
                    if (cause instanceof HttpTimeoutException) {
                        return Reply.error(504, "owner_timeout", "the instance that owns this stream (" + hostPort
                                + ") did not answer within " + FORWARD_TIMEOUT.toSeconds() + " s");
                    }
                    return Reply.error(502, "owner_unreachable", "the instance that owns this stream (" + hostPort
                            + ") did not answer: " + cause.getClass().getSimpleName());
                });
    }

    /**
     * Sends a request to another instance, marked as forwarded and signed when a token is configured; the caller's
     * own headers, its credential first of all, are not passed on. Forwarded requests carry no body: the snapshot
     * endpoint, the only one forwarded with POST, reads none.
     */
    private CompletableFuture<HttpResponse<String>> send(String hostPort, String method, String rawTarget) {
        try {
            // what goes on the request line, and so what the receiver checks the signature against: characters a
            // client sent unescaped are escaped here
            String target = URI.create(rawTarget).toASCIIString();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + hostPort + target))
                    .timeout(FORWARD_TIMEOUT).header(FORWARDED, "true")
                    .method(method, HttpRequest.BodyPublishers.noBody());
            signature.ifPresent(s -> s.headers(method, target).forEach(request::header));
            return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static Throwable cause(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    private static Reply internal(HttpExchange exchange, Throwable e) {
        LOG.warn("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                cause(e).getClass().getSimpleName(), e);
        return Reply.error(500, "internal", "the request failed (" + cause(e).getClass().getSimpleName()
                + "); the sidecar's log has the details");
    }

    /** Writes the reply and ends the exchange; from whichever thread the reply was ready on. */
    private static void respond(HttpExchange exchange, Reply reply) {
        byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", reply.contentType());
            reply.headers().forEach(exchange.getResponseHeaders()::set);
            exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        } catch (IOException e) {
            LOG.debug("{} {}: the client left before the reply ({})", exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(), e.toString());
        }
    }

    @Override
    public void close() {
        server.stop(1);
        admin.shutdownNow();
        forwarded.shutdownNow();
        io.shutdownNow();
    }
}
