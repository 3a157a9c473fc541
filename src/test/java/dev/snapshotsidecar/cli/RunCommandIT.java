package dev.snapshotsidecar.cli;

import dev.snapshotsidecar.testkit.DemoStack;
import dev.snapshotsidecar.testing.EventStoreProbe;
import dev.snapshotsidecar.testing.Poll;
import dev.snapshotsidecar.testing.SharedStack;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code run} as supervisors see it: the real command line ({@code java -jar target/snapshot-sidecar.jar run}) in
 * its own JVM against the shared stack, stopped with SIGTERM ({@link Process#destroy()} on Linux), judged by its
 * exit code and its log.
 */
@ExtendWith(SharedStack.class)
class RunCommandIT {
    static final Duration DEADLINE = Duration.ofMinutes(2);
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static DemoStack stack;

    @BeforeAll
    static void eventStore() {
        stack = EventStoreProbe.get().stack; // the tables and the Debezium source topic the sidecar waits for
    }

    @Test
    @DisplayName("SIGTERM to a running sidecar stops it cleanly with exit code 0")
    void cleanStop() throws Exception {
        int port = freePort();
        Running sidecar = start("it-run-clean-stop", Map.of("SIDECAR_HTTP_PORT", Integer.toString(port)));
        try {
            awaitReady(sidecar, port);
            sidecar.process.destroy();
            assertThat(sidecar.process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).as("exited").isTrue();
            assertThat(sidecar.process.exitValue()).as("exit code; log:\n%s", sidecar.log()).isEqualTo(0);
            assertThat(sidecar.log()).contains("SIGTERM received: stopping within the grace period of 25s",
                    "sidecar stopped", "stopped cleanly after SIGTERM in ").doesNotContain("did not stop");
        } finally {
            sidecar.process.destroyForcibly();
        }
    }

    @Test
    @DisplayName("a stop that outlasts shutdown.grace-period is logged and exits with code 1")
    void gracePeriodExceeded() throws Exception {
        int port = freePort();
        // no close of Kafka Streams, the worker and the pool completes within a millisecond
        Running sidecar = start("it-run-grace-exceeded", Map.of("SIDECAR_HTTP_PORT", Integer.toString(port),
                "SIDECAR_SHUTDOWN_GRACE_PERIOD", "1ms"));
        try {
            awaitReady(sidecar, port);
            sidecar.process.destroy();
            assertThat(sidecar.process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).as("exited").isTrue();
            assertThat(sidecar.process.exitValue()).as("exit code; log:\n%s", sidecar.log()).isEqualTo(1);
            assertThat(sidecar.log()).contains("the sidecar did not stop within the grace period of 1ms after SIGTERM;"
                    + " exiting with code 1").doesNotContain("stopped cleanly");
        } finally {
            sidecar.process.destroyForcibly();
        }
    }

    @Test
    @DisplayName("SIGTERM while the sidecar waits for its database ends the start and exits with code 0")
    void stopDuringStartUp() throws Exception {
        Running sidecar;
        try (ServerSocket closed = new ServerSocket(0)) {
            // a port nothing listens on once the socket is closed: connections are refused at once
            sidecar = start("it-run-stop-starting", Map.of("SIDECAR_DATABASE_JDBC_URL",
                    "jdbc:postgresql://localhost:" + closed.getLocalPort() + "/nothing"));
        }
        try {
            Poll.until("the sidecar waits for the database", DEADLINE,
                    () -> sidecar.log().contains("waiting for the database"), sidecar::log);
            sidecar.process.destroy();
            assertThat(sidecar.process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).as("exited").isTrue();
            assertThat(sidecar.process.exitValue()).as("exit code; log:\n%s", sidecar.log()).isEqualTo(0);
            assertThat(sidecar.log()).contains("stopped during start-up after SIGTERM in ",
                    ": nothing was running yet");
        } finally {
            sidecar.process.destroyForcibly();
        }
    }

    /** A sidecar process and the file its output goes to. */
    record Running(Process process, Path logFile) {
        String log() {
            try {
                return Files.readString(logFile);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static Running start(String app, Map<String, String> overrides) throws IOException {
        Path config = Files.createTempFile("sidecar-", ".yaml");
        try (InputStream in = RunCommandIT.class.getClassLoader().getResourceAsStream("demo/sidecar.yaml")) {
            Files.write(config, in.readAllBytes());
        }
        Path log = Files.createDirectories(Path.of("target", "it-logs")).resolve(app + ".log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", Path.of("target", "snapshot-sidecar.jar").toString(), "run", "--config",
                config.toString());
        Map<String, String> env = new HashMap<>(Map.of(
                "SIDECAR_KAFKA_BOOTSTRAP_SERVERS", stack.kafka().bootstrapServers(),
                "SIDECAR_KAFKA_APPLICATION_ID", app,
                "SIDECAR_KAFKA_STATE_DIR", stack.stateDirectory().resolve(app).toString(),
                "SIDECAR_DATABASE_JDBC_URL", stack.postgres().jdbcUrl(),
                "SIDECAR_DATABASE_USER", stack.postgres().user(),
                "SIDECAR_DATABASE_PASSWORD", stack.postgres().password(),
                "SIDECAR_KAFKA_PROPERTIES_SESSION_TIMEOUT_MS", "6000"));
        env.putAll(overrides);
        builder.environment().putAll(env);
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        return new Running(builder.start(), log);
    }

    static void awaitReady(Running sidecar, int port) {
        Poll.until("the sidecar is ready (tracker RUNNING, database answering)", DEADLINE,
                () -> sidecar.process.isAlive() && status(port, "/health/ready") == 200,
                () -> "alive " + sidecar.process.isAlive() + ", log:\n" + sidecar.log());
    }

    static int status(int port, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
