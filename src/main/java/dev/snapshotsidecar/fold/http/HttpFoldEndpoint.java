package dev.snapshotsidecar.fold.http;

import dev.snapshotsidecar.config.HttpVersion;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.FoldUnavailableException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * One fold service, reached at one base URL: the JDK {@link HttpClient} (keep-alive, HTTP/1.1 or HTTP/2), at most
 * {@code max-concurrency} calls at once, a {@link CircuitBreaker}, retries, authentication and the describe call.
 * Shared by the aggregate types whose fold it serves. Thread-safe; calls block the calling build thread.
 *
 * <p>How an answer ends a call:
 * <ul>
 *   <li>200: the answer, read by {@link FoldProtocol}.</li>
 *   <li>422: the service rejected the fold; the caller fails the stream with the service's reason.</li>
 *   <li>429: retried after {@code Retry-After} (seconds or an HTTP date; the backoff when absent), unless that is past
 *       the retry budget. The service answered, so the circuit counts it as a success.</li>
 *   <li>5xx, a timeout or a connection error: transient, retried with backoff (first wait doubling up to 30 s) until
 *       {@code retry-give-up-after}, then {@link FoldUnavailableException}: the build is FAILED and the tracker asks
 *       again later. Each counts as a failure of the circuit; an open circuit fails calls at once.</li>
 *   <li>any other status: the caller fails the stream naming it (401/403: the credentials; 404: the URL).</li>
 * </ul>
 * Bodies are never logged, nor are headers: requests carry state and events, answers carry state.
 */
public final class HttpFoldEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpFoldEndpoint.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** The largest answer read: a state is bounded by max-snapshot-bytes, far below. */
    private static final int MAX_ANSWER_BYTES = 256 << 20;

    private final SidecarConfig.FoldDefinition.Http settings;
    private final String name;
    private final HttpClient client;
    private final Semaphore slots;
    private final CircuitBreaker breaker;
    private final BearerToken token;
    private final Clock clock;
    private final Map<String, Integer> described = new ConcurrentHashMap<>();
    private final Object describing = new Object();
    private final List<BiConsumer<String, Integer>> schemaListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService watch;
    private final java.util.concurrent.ExecutorService clientThreads;
    private final Metrics metrics;

    /** An answer the caller reads: its status, body, and the {@code Retry-After} header of a 429. */
    record Answer(int status, byte[] body, Optional<String> retryAfter) {
    }

    public HttpFoldEndpoint(SidecarConfig.FoldDefinition.Http settings, MeterRegistry registry, Clock clock) {
        this.settings = settings;
        this.name = settings.url().getHost() + ":" + port(settings.url());
        this.clock = clock;
        this.slots = new Semaphore(settings.limits().maxConcurrency(), true);
        this.breaker = new CircuitBreaker(settings.limits().circuitFailures(), settings.limits().circuitOpenFor(),
                clock);
        this.token = new BearerToken(settings.auth().bearerToken(), settings.auth().bearerTokenFile());
        AtomicInteger threads = new AtomicInteger();
        // the client's own small pool: fewer hand-offs per call than the default cached pool (measured in
        // BENCHMARKS.md), and bounded like the calls themselves
        this.clientThreads = Executors.newFixedThreadPool(Math.max(2, settings.limits().maxConcurrency()),
                runnable -> {
                    Thread thread = new Thread(runnable, "fold-http-" + settings.url().getHost() + "-"
                            + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        HttpClient.Builder builder = HttpClient.newBuilder()
                .executor(clientThreads)
                .connectTimeout(settings.timeouts().connect())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(settings.version() == HttpVersion.HTTP_2 ? HttpClient.Version.HTTP_2
                        : HttpClient.Version.HTTP_1_1);
        settings.auth().tls().ifPresent(tls -> builder.sslContext(sslContext(tls)));
        this.client = builder.build();
        this.metrics = new Metrics(registry, name, breaker);
        this.watch = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "fold-describe-" + name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** host:port, for logs and meter tags; never the path, which might hold a tenant name. */
    public String name() {
        return name;
    }

    public URI url() {
        return settings.url();
    }

    /**
     * Calls {@code <url>/fold} with the body, retrying transient failures within the retry budget.
     *
     * @throws FoldUnavailableException when the service cannot be reached within it, or its circuit is open
     */
    Answer fold(String streamId, byte[] body) {
        return call(streamId, "fold", () -> post(body));
    }

    /**
     * The aggregate type's current schema version, as the service's describe call last said; asks it when not yet
     * known.
     *
     * @throws FoldUnavailableException when the service cannot say now
     */
    int schemaVersion(String aggregateType) {
        Integer known = described.get(aggregateType);
        if (known != null) {
            return known;
        }
        synchronized (describing) {
            // the first builds after a start all need it: one describe call answers them all
            if (!described.containsKey(aggregateType)) {
                describe();
            }
        }
        known = described.get(aggregateType);
        if (known == null) {
            throw new FoldUnavailableException("the fold service at " + name + " does not describe aggregate type "
                    + aggregateType + ": it must list every type it folds");
        }
        return known;
    }

    /** The type's schema version as the service last described it, without calling it. */
    java.util.OptionalInt knownSchemaVersion(String aggregateType) {
        Integer known = described.get(aggregateType);
        return known == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(known);
    }

    /** Calls describe now and tells the listeners of each type whose known version changed. */
    void describe() {
        Answer answer = call("(describe)", "describe", this::get);
        if (answer.status() != 200) {
            throw new FoldUnavailableException("the describe call of " + name + " answered " + answer.status());
        }
        Map<String, Integer> versions;
        try {
            versions = FoldProtocol.described(answer.body());
        } catch (FoldProtocol.ProtocolViolation e) {
            throw new FoldUnavailableException("the fold service at " + name + " broke the protocol: "
                    + e.getMessage());
        }
        versions.forEach((type, version) -> {
            Integer before = described.put(type, version);
            if (before != null && !before.equals(version)) {
                LOG.warn("the fold service at {} now describes aggregate type {} at schema version {} (was {})",
                        name, type, version, before);
                schemaListeners.forEach(l -> l.accept(type, version));
            }
        });
    }

    /** Listens for schema versions that change while the sidecar runs; starts the periodic describe call. */
    synchronized void watchSchemaVersions(BiConsumer<String, Integer> listener) {
        boolean first = schemaListeners.isEmpty();
        schemaListeners.add(listener);
        if (first) {
            long every = settings.describeInterval().toMillis();
            watch.scheduleWithFixedDelay(() -> {
                try {
                    describe();
                } catch (RuntimeException e) {
                    LOG.warn("describe call of the fold service at {} failed: {}; next in {} ms", name,
                            e.getMessage(), every);
                }
            }, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** The breaker's state, for tests and the metrics. */
    CircuitBreaker.State circuit() {
        return breaker.state();
    }

    private interface Send {
        HttpResponse<byte[]> send() throws IOException, InterruptedException;
    }

    private Answer call(String streamId, String what, Send send) {
        long started = System.nanoTime();
        Instant deadline = clock.instant().plus(settings.retry().giveUpAfter());
        String lastProblem = "";
        for (int attempt = 1; ; attempt++) {
            Optional<Instant> refused = breaker.refuseUntil();
            if (refused.isPresent()) {
                metrics.outcome("circuit-open");
                throw new FoldUnavailableException("the circuit of the fold service at " + name + " is open after "
                        + breaker.failuresInARow() + " failures in a row" + (lastProblem.isEmpty() ? ""
                        : " (last: " + lastProblem + ")") + "; no call until " + refused.get()
                        + "; the tracker asks again later");
            }
            Duration wait;
            try {
                Answer answer = attempt(send, deadline, streamId);
                if (answer.status() == 429) {
                    breaker.succeeded();
                    metrics.outcome("429");
                    lastProblem = "429 Too Many Requests";
                    wait = retryAfter(answer).orElse(backoff(attempt));
                } else if (answer.status() >= 500) {
                    failed();
                    metrics.outcome("5xx");
                    lastProblem = "status " + answer.status();
                    wait = backoff(attempt);
                } else {
                    if (breaker.succeeded()) {
                        LOG.info("the circuit of the fold service at {} is closed again", name);
                    }
                    metrics.outcome(answer.status() == 200 ? "ok" : answer.status() == 422 ? "rejected"
                            : "status-" + answer.status());
                    metrics.duration.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                    return answer;
                }
            } catch (HttpTimeoutException e) {
                failed();
                metrics.outcome("timeout");
                lastProblem = e instanceof HttpConnectTimeoutException ? "connect timeout" : "no answer within "
                        + settings.timeouts().call().toMillis() + " ms";
                wait = backoff(attempt);
            } catch (IOException e) {
                failed();
                metrics.outcome("io-error");
                lastProblem = e instanceof ConnectException ? "connection refused"
                        : "connection error (" + e.getClass().getSimpleName() + ")";
                wait = backoff(attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FoldUnavailableException("interrupted while calling the fold service at " + name, e);
            }
            if (breaker.state() == CircuitBreaker.State.OPEN) {
                metrics.outcome("circuit-open");
                throw new FoldUnavailableException("the circuit of the fold service at " + name + " opened after "
                        + breaker.failuresInARow() + " failures in a row (last: " + lastProblem + ") while " + streamId
                        + " was folded; the tracker asks again later");
            }
            Instant now = clock.instant();
            if (now.plus(wait).isAfter(deadline)) {
                metrics.outcome("gave-up");
                throw new FoldUnavailableException("the fold service at " + name + " did not answer the " + what
                        + " call of " + streamId + " within " + settings.retry().giveUpAfter().toMillis() + " ms ("
                        + attempt + " attempts, last: " + lastProblem + "); the tracker asks again later");
            }
            LOG.warn("{} call of {} to the fold service at {}: {}; attempt {} in {} ms", what, streamId, name,
                    lastProblem, attempt + 1, wait.toMillis());
            sleep(wait);
        }
    }

    private void failed() {
        if (breaker.failed()) {
            LOG.warn("the circuit of the fold service at {} opened after {} failures in a row: no call for {} ms",
                    name, breaker.failuresInARow(), settings.limits().circuitOpenFor().toMillis());
        }
    }

    /** One call, within one of the endpoint's slots. */
    private Answer attempt(Send send, Instant deadline, String streamId) throws IOException, InterruptedException {
        long waitMillis = Math.max(0, Duration.between(clock.instant(), deadline).toMillis());
        if (!slots.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
            throw new FoldUnavailableException("all " + settings.limits().maxConcurrency() + " call slots of the"
                    + " fold service at " + name + " stayed busy for " + settings.retry().giveUpAfter().toMillis()
                    + " ms while " + streamId + " waited; the tracker asks again later");
        }
        try {
            HttpResponse<byte[]> response = send.send();
            return new Answer(response.statusCode(), response.body(), response.headers().firstValue("Retry-After"));
        } finally {
            slots.release();
        }
    }

    private HttpResponse<byte[]> post(byte[] body) throws IOException, InterruptedException {
        return client.send(request(FoldProtocol.FOLD_PATH).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), BOUNDED);
    }

    private HttpResponse<byte[]> get() throws IOException, InterruptedException {
        return client.send(request(FoldProtocol.DESCRIBE_PATH).GET().build(), BOUNDED);
    }

    /**
     * Reads the answer whole, refusing one larger than {@link #MAX_ANSWER_BYTES} by its Content-Length (a state is
     * bounded by max-snapshot-bytes, far below); an answer without one is read as it comes.
     */
    private static final HttpResponse.BodyHandler<byte[]> BOUNDED = info -> {
        long length = info.headers().firstValueAsLong("Content-Length").orElse(-1);
        return length > MAX_ANSWER_BYTES
                ? HttpResponse.BodySubscribers.replacing(new byte[0])
                : HttpResponse.BodySubscribers.ofByteArray();
    };

    private HttpRequest.Builder request(String path) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(settings.url() + path))
                .timeout(settings.timeouts().call())
                .header("Accept", "application/json")
                .header(FoldProtocol.HEADER, Integer.toString(FoldProtocol.VERSION))
                .header("User-Agent", "snapshot-sidecar");
        Optional<String> bearer = token.current();
        bearer.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        return request;
    }

    private Duration backoff(int attempt) {
        long millis = settings.retry().initialBackoff().toMillis() << Math.min(attempt - 1, 20);
        return Duration.ofMillis(Math.min(millis, MAX_BACKOFF.toMillis()));
    }

    /** A 429's {@code Retry-After}: delay-seconds or an HTTP date. */
    private Optional<Duration> retryAfter(Answer answer) {
        return answer.retryAfter().flatMap(value -> {
            try {
                return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim()))));
            } catch (NumberFormatException e) {
                try {
                    Instant at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                    Duration d = Duration.between(clock.instant(), at);
                    return Optional.of(d.isNegative() ? Duration.ZERO : d);
                } catch (DateTimeParseException notADate) {
                    return Optional.empty();
                }
            }
        });
    }

    private static void sleep(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FoldUnavailableException("interrupted while waiting to retry a fold call", e);
        }
    }

    private static int port(URI url) {
        return url.getPort() >= 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
    }

    private static SSLContext sslContext(SidecarConfig.HttpTls tls) {
        try {
            KeyManagerFactory keys = null;
            if (tls.keyStore().isPresent()) {
                char[] password = tls.keyStorePassword().orElse("").toCharArray();
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(load(tls.keyStore().get(), password), password);
            }
            TrustManagerFactory trust = null;
            if (tls.trustStore().isPresent()) {
                trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(load(tls.trustStore().get(), tls.trustStorePassword().orElse("").toCharArray()));
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(),
                    null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot load the fold endpoint's TLS key or trust store: "
                    + e.getClass().getSimpleName(), e);
        }
    }

    private static KeyStore load(Path file, char[] password) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password);
        }
        return store;
    }

    @Override
    public void close() {
        watch.shutdownNow();
        clientThreads.shutdownNow();
    }

    /** The endpoint's meters, tagged with its host:port. */
    private static final class Metrics {
        private final MeterRegistry registry;
        private final String endpoint;
        private final Timer duration;
        private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();

        Metrics(MeterRegistry registry, String endpoint, CircuitBreaker breaker) {
            this.registry = registry;
            this.endpoint = endpoint;
            this.duration = Timer.builder("sidecar.fold.http.call.duration")
                    .description("Fold and describe calls to a fold service, retries included, that got an answer")
                    .tag("endpoint", endpoint).register(registry);
            Gauge.builder("sidecar.fold.http.circuit.open", breaker, b -> b.state() == CircuitBreaker.State.CLOSED
                            ? 0 : 1)
                    .description("1 while the fold service's circuit is open or half open").tag("endpoint", endpoint)
                    .register(registry);
        }

        void outcome(String outcome) {
            outcomes.computeIfAbsent(outcome, o -> Counter.builder("sidecar.fold.http.calls")
                    .description("Attempts of fold and describe calls to a fold service, by how they ended")
                    .baseUnit("calls").tag("endpoint", endpoint).tag("outcome", o).register(registry)).increment();
        }
    }
}
