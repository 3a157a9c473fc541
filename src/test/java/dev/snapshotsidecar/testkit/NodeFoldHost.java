package dev.snapshotsidecar.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Node.js reference fold host of {@code examples/fold-host-node}, run as a real {@code node} process on a free
 * port of the loopback, from the very files the repository ships (copied out of the test kit's class path). For the
 * integration test and the demo's {@code --fold http}. {@link #close()} stops the process.
 */
public final class NodeFoldHost implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on (https?://[^\\s]+)");
    private static final List<String> FILES = List.of("server.js", "prescription.js");

    private final Process process;
    private final String url;
    private final Path directory;

    private NodeFoldHost(Process process, String url, Path directory) {
        this.process = process;
        this.url = url;
        this.directory = directory;
    }

    /** Why the host cannot run here, when it cannot: no {@code node} on the PATH. */
    public static Optional<String> unavailableBecause() {
        try {
            Process version = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String out = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (version.waitFor(10, TimeUnit.SECONDS) && version.exitValue() == 0) {
                return Optional.empty();
            }
            return Optional.of("`node --version` failed: " + out);
        } catch (IOException e) {
            return Optional.of("no `node` on the PATH (install Node.js, e.g. `apt-get install -y nodejs`; .ci/run"
                    + " does): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    /** Starts the host with these environment variables (FOLD_HOST_TOKEN, ...); returns once it listens. */
    public static NodeFoldHost start(Map<String, String> environment) {
        try {
            Path directory = Files.createTempDirectory("fold-host-node-");
            for (String file : FILES) {
                Files.writeString(directory.resolve(file), DemoStack.resource("examples/fold-host-node/" + file));
            }
            ProcessBuilder builder = new ProcessBuilder("node", "server.js", "--port", "0", "--host", "127.0.0.1")
                    .directory(directory.toFile()).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process process = builder.start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            CompletableFuture<String> url = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try {
                    for (String line; (line = out.readLine()) != null; ) {
                        Matcher m = LISTENING.matcher(line);
                        if (m.find()) {
                            url.complete(m.group(1));
                        }
                    }
                    url.completeExceptionally(new IllegalStateException("node exited before listening"));
                } catch (IOException e) {
                    url.completeExceptionally(e);
                }
            }, "fold-host-node-output");
            reader.setDaemon(true);
            reader.start();
            try {
                return new NodeFoldHost(process, url.get(30, TimeUnit.SECONDS), directory);
            } catch (Exception e) {
                process.destroyForcibly();
                throw new IllegalStateException("the Node fold host did not start: " + e.getMessage(), e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The base URL, e.g. {@code http://127.0.0.1:41234}: what {@code fold.http.url} names. */
    public String url() {
        return url;
    }

    public boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        Directories.delete(directory);
    }
}
