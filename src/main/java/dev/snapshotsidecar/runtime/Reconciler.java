package dev.snapshotsidecar.runtime;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.ingest.AggregateTypeResolver;
import dev.snapshotsidecar.request.SnapshotResult;
import dev.snapshotsidecar.store.EventReader;
import dev.snapshotsidecar.track.StreamHead;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Heals what change data capture lost: a pass reads the events table's last event of every stream in keyset pages
 * (at most {@code streams-per-second}), compares each with the tracker's head, and sends a correction for every head
 * that is behind, or missing, to the task that holds it, which raises or starts it (never lowers it) and asks for a
 * snapshot when one is due. Each instance compares the streams whose heads it holds; streams held elsewhere are left
 * to their instance's pass. A stream whose last event is younger than {@code grace} is left to change data capture.
 *
 * <p>A pass runs every {@code interval} (the first one an interval after start-up) unless scheduled passes are off,
 * and whenever an operator asked for one ({@code reconcile} command) since the last pass started; it waits while the
 * tracker is more than {@link #CAUGHT_UP} change events behind its source, since heads are behind by design then.
 * Each page is logged (streams compared, corrections per type, never a payload), every correction is counted
 * ({@code sidecar.reconcile.corrected}), and the pass ends with a summary per type.
 *
 * <p>Runs on one background thread of its own ({@link #check} is called from it), never on a stream thread.
 */
public final class Reconciler implements MeterBinder {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    /** A pass waits while the tracker has more change events than this left to read. */
    static final long CAUGHT_UP = 10_000;

    /** What the pass asks of the tracker. Implementations may block for a bounded time. */
    public interface Heads {
        /** Where the stream's head stands, as far as this instance can tell. */
        Lookup lookup(String streamId);

        /** When an operator last asked for a pass, as the tracker read it; empty when never (or not known here). */
        Optional<Long> requestedMillis();

        /** Change events the tracker has not read yet; empty when the broker cannot say. */
        OptionalLong behind();
    }

    /** A head as this instance sees it. */
    public sealed interface Lookup {
        /** The head, held here. */
        record Known(StreamHead head) implements Lookup {
        }

        /** Held here, and no head: the tracker never saw the stream. */
        record Missing() implements Lookup {
        }

        /** Another instance holds it, or none does right now (a rebalance): not this pass's to compare. */
        record Elsewhere() implements Lookup {
        }
    }

    /** Sends a page's corrections to the tracker and returns once the broker has them. */
    @FunctionalInterface
    public interface Corrections {
        void send(List<SnapshotResult> corrections) throws Exception;
    }

    /** Waits between pages; a test's own makes the pacing visible. */
    @FunctionalInterface
    public interface Pause {
        void sleep(Duration duration) throws InterruptedException;
    }

    /** What one pass found, per aggregate type, and what it left to others. */
    public record Report(Map<String, TypeCounts> types, long elsewhere, long young, long untyped, int pages,
                         boolean completed) {
        public long corrected() {
            return types.values().stream().mapToLong(t -> t.raised() + t.started()).sum();
        }
    }

    /** Streams of one type compared, heads raised and heads started. */
    public record TypeCounts(long checked, long raised, long started) {
        TypeCounts plus(TypeCounts other) {
            return new TypeCounts(checked + other.checked, raised + other.raised, started + other.started);
        }
    }

    private final EventReader events;
    private final AggregateTypeResolver resolver;
    private final Heads heads;
    private final Corrections corrections;
    private final SidecarConfig.Reconcile settings;
    private final Clock clock;
    private final Pause pause;
    private final Map<String, Counter> corrected = new ConcurrentHashMap<>();
    private final AtomicLong lastCompletedSeconds = new AtomicLong();
    private MeterRegistry registry;
    private Counter passesCompleted;
    private Counter passesFailed;
    private Counter checked;
    private long lastStartMillis;
    private long lastRequestServed;
    private boolean waitingLogged;

    /** @param startedMillis when the sidecar started: the first scheduled pass is an interval after it */
    public Reconciler(EventReader events, AggregateTypeResolver resolver, Heads heads, Corrections corrections,
                      SidecarConfig.Reconcile settings, Clock clock, Pause pause, long startedMillis) {
        this.events = events;
        this.resolver = resolver;
        this.heads = heads;
        this.corrections = corrections;
        this.settings = settings;
        this.clock = clock;
        this.pause = pause;
        this.lastStartMillis = startedMillis;
        this.lastRequestServed = startedMillis;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = registry;
        passesCompleted = Counter.builder("sidecar.reconcile.passes").tag("result", "completed")
                .description("Reconcile passes, by how they ended").baseUnit("passes").register(registry);
        passesFailed = Counter.builder("sidecar.reconcile.passes").tag("result", "failed")
                .description("Reconcile passes, by how they ended").baseUnit("passes").register(registry);
        checked = Counter.builder("sidecar.reconcile.checked")
                .description("Streams a reconcile pass compared with the head this instance holds")
                .baseUnit("streams").register(registry);
        Gauge.builder("sidecar.reconcile.last.completed", lastCompletedSeconds, AtomicLong::get)
                .description("When this instance last completed a reconcile pass (0: never since it started)")
                .baseUnit("seconds").register(registry);
    }

    /**
     * Runs a pass when one is due (the schedule, or an operator's request since the last one started) and the
     * tracker has caught up; otherwise returns at once. Called periodically from the reconcile thread.
     *
     * @return the pass's report, when one ran
     */
    public Optional<Report> check() {
        long now = clock.millis();
        Optional<Long> requested = heads.requestedMillis().filter(at -> at > lastRequestServed);
        boolean scheduled = settings.enabled() && now - lastStartMillis >= settings.interval().toMillis();
        if (requested.isEmpty() && !scheduled) {
            return Optional.empty();
        }
        OptionalLong behind = heads.behind();
        if (behind.isEmpty() || behind.getAsLong() > CAUGHT_UP) {
            if (!waitingLogged) {
                LOG.info("reconcile pass due ({}), waiting: the tracker has {} change events left to read", requested
                        .isPresent() ? "asked for" : "scheduled", behind.isPresent() ? behind.getAsLong() : "an unknown"
                        + " number of");
                waitingLogged = true;
            }
            return Optional.empty();
        }
        waitingLogged = false;
        lastStartMillis = now;
        requested.ifPresent(at -> lastRequestServed = at);
        return Optional.of(pass());
    }

    /** One pass over the events table, page by page, paced; stops early only when interrupted or a page fails. */
    Report pass() {
        long started = clock.millis();
        LOG.info("reconcile pass starts: the events table's last versions against the heads held here, {} streams a"
                + " second at most", settings.streamsPerSecond());
        Map<String, TypeCounts> types = new TreeMap<>();
        long[] left = new long[3]; // elsewhere, young, untyped
        int pages = 0;
        String after = "";
        try {
            while (true) {
                long pageStart = System.nanoTime();
                List<EventReader.StreamEnd> page = events.streamEnds(after, settings.pageSize());
                if (page.isEmpty()) {
                    break;
                }
                pages++;
                Map<String, TypeCounts> counts = page(page, left, started);
                counts.forEach((type, c) -> types.merge(type, c, TypeCounts::plus));
                LOG.info("reconcile page {} ({} to {}): {} streams, {}", pages, page.get(0).streamId(),
                        page.get(page.size() - 1).streamId(), page.size(), describe(counts));
                after = page.get(page.size() - 1).streamId();
                // pace the reads: a page of n streams takes at least n / streams-per-second
                long minimumNanos = page.size() * 1_000_000_000L / settings.streamsPerSecond();
                long wait = minimumNanos - (System.nanoTime() - pageStart);
                if (wait > 0) {
                    pause.sleep(Duration.ofNanos(wait));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ended(types, left, pages, false, started, "interrupted");
        } catch (Exception e) {
            return ended(types, left, pages, false, started, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        return ended(types, left, pages, true, started, "");
    }

    /** Compares one page and sends its corrections; returns its counts per type. */
    private Map<String, TypeCounts> page(List<EventReader.StreamEnd> page, long[] left, long passStarted)
            throws Exception {
        Map<String, TypeCounts> counts = new TreeMap<>();
        List<SnapshotResult> sent = new ArrayList<>();
        for (EventReader.StreamEnd end : page) {
            Optional<String> type = resolver.resolve(end.streamId(), end.typeValue());
            if (type.isEmpty()) {
                left[2]++;
                continue;
            }
            if (passStarted - end.lastEventAt().toEpochMilli() < settings.grace().toMillis()) {
                left[1]++; // change data capture may still be delivering it
                continue;
            }
            Lookup lookup = heads.lookup(end.streamId());
            if (lookup instanceof Lookup.Elsewhere) {
                left[0]++;
                continue;
            }
            checked.increment();
            boolean missing = lookup instanceof Lookup.Missing;
            boolean behind = lookup instanceof Lookup.Known known && known.head().erasure().state()
                    == StreamHead.ErasureState.NONE && known.head().headVersion() < end.lastVersion();
            counts.merge(type.get(), new TypeCounts(1, behind ? 1 : 0, missing ? 1 : 0), TypeCounts::plus);
            if (missing || behind) {
                sent.add(SnapshotResult.reconciled(end.streamId(), type.get(), end.lastVersion(),
                        new SnapshotResult.LastEvent(end.lastEventType(), end.lastEventAt().toEpochMilli(),
                                end.lastPosition())));
            }
        }
        if (!sent.isEmpty()) {
            corrections.send(sent);
        }
        counts.forEach((type, c) -> {
            counter(type, "raised").increment(c.raised());
            counter(type, "started").increment(c.started());
        });
        return counts;
    }

    private Report ended(Map<String, TypeCounts> types, long[] left, int pages, boolean completed, long started,
                         String why) {
        Report report = new Report(types, left[0], left[1], left[2], pages, completed);
        long seconds = (clock.millis() - started) / 1000;
        if (completed) {
            passesCompleted.increment();
            lastCompletedSeconds.set(clock.millis() / 1000);
            LOG.info("reconcile pass completed in {} s, {} pages: {}; {} streams held by other instances, {} with an"
                    + " event in the last {} s left to change data capture", seconds, pages, describe(types), left[0],
                    left[1], settings.grace().toSeconds());
        } else {
            passesFailed.increment();
            LOG.warn("reconcile pass stopped after {} pages ({}): {}; the next one starts over", pages, why,
                    describe(types));
        }
        return report;
    }

    private Counter counter(String type, String correction) {
        return corrected.computeIfAbsent(type + "|" + correction, k -> Counter.builder("sidecar.reconcile.corrected")
                .tag("aggregate.type", type).tag("correction", correction)
                .description("Heads a reconcile pass found behind the events table (raised) or missing (started)")
                .baseUnit("streams").register(registry));
    }

    private static String describe(Map<String, TypeCounts> counts) {
        if (counts.isEmpty()) {
            return "none compared here";
        }
        return counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().checked() + " compared, "
                + e.getValue().raised() + " raised, " + e.getValue().started() + " started")
                .collect(Collectors.joining("; "));
    }
}
