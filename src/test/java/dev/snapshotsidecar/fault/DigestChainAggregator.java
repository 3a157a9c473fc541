package dev.snapshotsidecar.fault;

import dev.snapshotsidecar.fold.Aggregator;
import dev.snapshotsidecar.fold.StoredEvent;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fault suite's oracle aggregate, loaded by the sidecar child processes from a plugin jar that {@link PluginJar}
 * builds at test time. Its state is a digest chain over every event folded:
 * {@code digest_n = SHA-256(digest_{n-1} "\n" version "\n" event_type "\n" event_data)} (hex, UTF-8), starting from
 * {@link #GENESIS}, with the last version and the count of events folded; a skipped, repeated or reordered event
 * gives another digest. {@link ExpectedChain} computes the same values in the test, independently.
 *
 * <p>Two test hooks, both read from the environment of the child process, both off when unset:
 * <ul>
 *   <li>{@value #DELAY_FILE_ENV}: a file holding milliseconds to sleep per event folded, re-read at most every
 *       250 ms, so the test can make builds slow while the processes run;</li>
 *   <li>{@value #TRACE_ENV}: a file this process appends one line to per event folded,
 *       {@code <build> <stream> <version> <startMillis> <endMillis>}, where {@code build} numbers the folds of this
 *       process (a fold starts at {@link #initialState()} or {@link #fromJson}); the suite reads the fold spans
 *       from it. No payload is written, only stream ids and versions.</li>
 * </ul>
 * Stateless apart from those hooks; thread-safe.
 */
public final class DigestChainAggregator implements Aggregator<DigestChainAggregator.Chain> {
    public static final String NAME = "fault.digest-chain";
    public static final String DELAY_FILE_ENV = "FAULT_FOLD_DELAY_FILE";
    public static final String TRACE_ENV = "FAULT_FOLD_TRACE";
    /** The digest before the first event. */
    public static final String GENESIS = "0".repeat(64);

    private static final Pattern JSON = Pattern.compile(
            "\\{\"digest\":\"([0-9a-f]{64})\",\"version\":(-?\\d+),\"count\":(\\d+)}");
    private static final AtomicLong BUILDS = new AtomicLong();
    private static final Trace TRACE = new Trace(System.getenv(TRACE_ENV));
    private static final Delay DELAY = new Delay(System.getenv(DELAY_FILE_ENV));

    /**
     * One state: {@code build} numbers the fold this state belongs to (never written to JSON).
     */
    public record Chain(String digest, long version, long count, long build) {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Chain initialState() {
        return new Chain(GENESIS, -1, 0, BUILDS.incrementAndGet());
    }

    @Override
    public Chain apply(Chain state, StoredEvent event) {
        long started = System.currentTimeMillis();
        MessageDigest sha = sha256();
        sha.update(state.digest().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
        sha.update(Long.toString(event.version()).getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
        sha.update(event.eventType().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
        sha.update(event.data().getBytes(StandardCharsets.UTF_8));
        Chain next = new Chain(HexFormat.of().formatHex(sha.digest()), event.version(), state.count() + 1,
                state.build());
        DELAY.sleep();
        TRACE.write(state.build() + " " + event.streamId() + " " + event.version() + " " + started + " "
                + System.currentTimeMillis() + "\n");
        return next;
    }

    @Override
    public int schemaVersion() {
        return 1;
    }

    @Override
    public String toJson(Chain state) {
        return "{\"digest\":\"" + state.digest() + "\",\"version\":" + state.version() + ",\"count\":" + state.count()
                + "}";
    }

    @Override
    public Chain fromJson(String json) {
        Matcher m = JSON.matcher(json);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a digest chain state");
        }
        return new Chain(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), BUILDS.incrementAndGet());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The per-event sleep, read from a file the test writes; 0 when the file is absent or unreadable. */
    private static final class Delay {
        private final Path file;
        private volatile long millis;
        private volatile long readAt;

        Delay(String file) {
            this.file = file == null || file.isBlank() ? null : Path.of(file);
        }

        void sleep() {
            if (file == null) {
                return;
            }
            long now = System.currentTimeMillis();
            if (now - readAt > 250) {
                readAt = now;
                try {
                    millis = Long.parseLong(Files.readString(file).trim());
                } catch (IOException | NumberFormatException e) {
                    millis = 0;
                }
            }
            if (millis > 0) {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Appends trace lines, unbuffered, so a process killed with SIGKILL loses none it has written. */
    private static final class Trace {
        private final OutputStream out;

        Trace(String file) {
            OutputStream opened = null;
            if (file != null && !file.isBlank()) {
                try {
                    opened = new FileOutputStream(file, true);
                } catch (IOException e) {
                    opened = null;
                }
            }
            this.out = opened;
        }

        synchronized void write(String line) {
            if (out == null) {
                return;
            }
            try {
                out.write(line.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the trace is evidence for the test, never a reason to fail a build
            }
        }
    }
}
