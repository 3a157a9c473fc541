package dev.snapshotsidecar.build;

import dev.snapshotsidecar.fold.Fold;
import dev.snapshotsidecar.fold.FoldUnavailableException;
import dev.snapshotsidecar.store.SnapshotStore;
import dev.snapshotsidecar.store.StoredSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Starts a type's prioritised rebuild when its fold's schema version changes, for every fold kind:
 * <ul>
 *   <li>at start-up, on a background thread: when the newest snapshots of a sample of the type's streams are of
 *       another schema version than its fold's (a restart with a bumped Java aggregator or JSONata schema version, or
 *       a service deployed with a new one while the sidecar was down, as when both restart in one pod);</li>
 *   <li>while running: when an HTTP fold's service describes a new version (its periodic describe call, or an answer
 *       carrying a version the sidecar had not heard of).</li>
 * </ul>
 * {@code rebuild} is called with the type's name, off the build and stream threads; it sends the tracker its REBUILD
 * command. A fold service that cannot describe itself at start-up is asked again with backoff.
 */
public final class SchemaWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaWatch.class);
    /** Streams of a type whose newest snapshot is checked at start-up, and pages of the table read at most for them. */
    static final int SAMPLE = 50;
    static final int MAX_PAGES = 20;
    static final int PAGE = 1000;

    private final Folds folds;
    private final SnapshotStore snapshots;
    private final Consumer<String> rebuild;
    private final ScheduledExecutorService thread;

    public SchemaWatch(Folds folds, SnapshotStore snapshots, Consumer<String> rebuild) {
        this.folds = folds;
        this.snapshots = snapshots;
        this.rebuild = rebuild;
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "schema-watch");
            t.setDaemon(true);
            return t;
        });
    }

    /** Checks each type once (in the background) and listens for changes from then on. */
    public void start() {
        folds.all().forEach((type, fold) -> {
            fold.watchSchemaVersion(version -> {
                LOG.warn("aggregate type {} is now folded at schema version {} ({}): starting its prioritised"
                        + " rebuild", type, version, fold.description());
                rebuild(type);
            });
            thread.execute(() -> checkStored(type, fold, Duration.ofSeconds(1)));
        });
    }

    /** Compares the type's stored snapshots with its fold's version; asks the fold again later when it cannot say. */
    private void checkStored(String type, Fold fold, Duration retry) {
        int current;
        try {
            current = fold.schemaVersion();
        } catch (FoldUnavailableException e) {
            Duration next = retry.multipliedBy(2).compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1)
                    : retry.multipliedBy(2);
            LOG.warn("schema version of aggregate type {} unknown for now ({}); asking again in {} s", type,
                    e.getMessage(), retry.toSeconds());
            thread.schedule(() -> checkStored(type, fold, next), retry.toMillis(), TimeUnit.MILLISECONDS);
            return;
        } catch (RuntimeException e) {
            LOG.warn("schema version of aggregate type {} could not be checked: {}", type, e.toString());
            return;
        }
        try {
            staleStream(type, current).ifPresent(stale -> {
                LOG.warn("snapshots of aggregate type {} (e.g. {}) are not at schema version {}, the version of its"
                        + " fold ({}): starting its prioritised rebuild", type, stale, current, fold.description());
                rebuild(type);
            });
        } catch (RuntimeException e) {
            LOG.warn("stored schema versions of aggregate type {} could not be read: {}", type, e.toString());
        }
    }

    /** A stream of the type whose newest snapshot is of another schema version, among the first streams sampled. */
    Optional<String> staleStream(String type, int current) {
        String after = "";
        int sampled = 0;
        for (int page = 0; page < MAX_PAGES && sampled < SAMPLE; page++) {
            List<SnapshotStore.StreamVersion> versions = snapshots.latestVersions(after, PAGE);
            if (versions.isEmpty()) {
                break;
            }
            for (SnapshotStore.StreamVersion stream : versions) {
                if (!stream.aggregateType().equals(type) || sampled >= SAMPLE) {
                    continue;
                }
                sampled++;
                Optional<StoredSnapshot> atCurrent = snapshots.latest(stream.streamId(), current);
                if (atCurrent.isEmpty() || atCurrent.get().version() < stream.version()) {
                    return Optional.of(stream.streamId());
                }
            }
            after = versions.get(versions.size() - 1).streamId();
        }
        return Optional.empty();
    }

    private void rebuild(String type) {
        try {
            rebuild.accept(type);
        } catch (RuntimeException e) {
            LOG.error("the rebuild of aggregate type {} could not be started: {}; run `rebuild --aggregate-type {}`",
                    type, e.toString(), type);
        }
    }


    @Override
    public void close() {
        thread.shutdownNow();
    }
}
