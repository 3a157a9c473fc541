package dev.snapshotsidecar.fault;

import dev.snapshotsidecar.testkit.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One sidecar instance run as the real command line in its own JVM ({@code java -jar target/snapshot-sidecar.jar
 * run --config FILE}), so it can be killed without mercy. Keeps its HTTP port and state directory across restarts;
 * each start (a generation) gets its own log file and fold trace under {@code target/fault/}. An exit the test did not
 * ask for is recorded. Driven by the test thread; {@link #unexpectedExits()} is safe from any thread.
 */
final class SidecarProcess {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    final String name;
    final int httpPort = FreePorts.next();
    private final FaultStack stack;
    private final Path stateDirectory;
    private final List<String> unexpectedExits = new java.util.concurrent.CopyOnWriteArrayList<>();
    private Process process;
    private int generation;
    private volatile boolean expectingExit;

    SidecarProcess(String name, FaultStack stack) {
        this.name = name;
        this.stack = stack;
        this.stateDirectory = stack.root.resolve("state").resolve(name);
    }

    boolean running() {
        return process != null && process.isAlive();
    }

    String generationName() {
        return name + ".g" + generation;
    }

    void start() {
        if (running()) {
            throw new IllegalStateException(name + " is already running");
        }
        generation++;
        try {
            Path logs = Files.createDirectories(stack.root.resolve("logs"));
            Path traces = Files.createDirectories(stack.root.resolve("traces"));
            Path logbackConfig = Path.of(SidecarProcess.class.getResource("/fault/logback-sidecar.xml").toURI());
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Dlogback.configurationFile=" + logbackConfig,
                    "-Dfault.log.file=" + logs.resolve(generationName() + ".log").toAbsolutePath(),
                    "-jar", Path.of("target", "snapshot-sidecar.jar").toAbsolutePath().toString(),
                    "run", "--config", stack.sidecarConfigFile.toAbsolutePath().toString()));
            ProcessBuilder builder = new ProcessBuilder(command);
            Map<String, String> env = builder.environment();
            env.put("SIDECAR_HTTP_PORT", Integer.toString(httpPort));
            env.put("SIDECAR_KAFKA_STATE_DIR", stateDirectory.toAbsolutePath().toString());
            env.put(DigestChainAggregator.TRACE_ENV,
                    traces.resolve(generationName() + ".trace").toAbsolutePath().toString());
            env.put(DigestChainAggregator.DELAY_FILE_ENV, stack.delayFile.toAbsolutePath().toString());
            builder.redirectErrorStream(true)
                    .redirectOutput(logs.resolve(generationName() + ".out").toFile());
            expectingExit = false;
            Process started = builder.start();
            String generationName = generationName();
            started.onExit().thenAccept(p -> {
                if (!expectingExit) {
                    unexpectedExits.add(generationName + " exited with " + p.exitValue());
                }
            });
            process = started;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL: no shutdown hook, no commit, no clean close. */
    void kill() {
        expectingExit = true;
        if (process != null) {
            process.destroyForcibly();
            await(process, Duration.ofSeconds(30));
        }
    }

    /** SIGTERM: the shutdown hook stops the worker (its builds finish), then the tracker. */
    void stop() {
        expectingExit = true;
        if (process != null) {
            process.destroy();
            if (!await(process, Duration.ofSeconds(90))) {
                unexpectedExits.add(generationName() + " did not stop within 90 s of SIGTERM; killed");
                process.destroyForcibly();
                await(process, Duration.ofSeconds(30));
            }
        }
    }

    /** Whether this generation's oracle fold trace has a line: it has built at least one snapshot. */
    boolean hasFolded() {
        try {
            Path trace = stack.root.resolve("traces").resolve(generationName() + ".trace");
            return Files.exists(trace) && Files.size(trace) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    void deleteState() {
        try {
            FaultStack.deleteRecursively(stateDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + stateDirectory, e);
        }
    }

    /** GET /health/ready answered 200. */
    boolean ready() {
        return running() && status("/health/ready") == 200;
    }

    int status(String path) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + path))
                    .timeout(Duration.ofSeconds(2)).GET().build();
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The sidecar's own meters from /metrics (lines starting {@code sidecar_}, no histogram buckets); empty if down. */
    List<String> sidecarMeters() {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).GET().build();
            String body = HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
            return body.lines().filter(l -> l.startsWith("sidecar_") && !l.contains("_bucket")).limit(60).toList();
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    List<String> unexpectedExits() {
        return List.copyOf(unexpectedExits);
    }

    private static boolean await(Process p, Duration deadline) {
        try {
            return p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
