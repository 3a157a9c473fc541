package dev.snapshotsidecar.build;

import dev.snapshotsidecar.request.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** The build stage's meters, bound to a registry once. Thread-safe (Micrometer meters, atomics). */
final class WorkerMetrics implements MeterBinder {
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicLong backlog = new AtomicLong();
    /** 1 while the consumer is paused because the most requests the worker holds are in flight, else 0. */
    final AtomicInteger paused = new AtomicInteger();
    private final Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
    private Timer buildTimer;
    private Timer rateLimitWaits;
    private Counter retries;
    private Counter deadLetters;
    private Counter deduplicated;
    private Counter jobsDied;
    private MeterRegistry registry;
    private final java.util.Set<String> foldTypes = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = registry;
        for (Outcome outcome : Outcome.values()) {
            outcomes.put(outcome, Counter.builder("sidecar.build.results").tag("outcome", outcome.name())
                    .description("Builds finished, by outcome").baseUnit("builds").register(registry));
        }
        buildTimer = Timer.builder("sidecar.build.duration").description("Time to build one snapshot")
                .register(registry);
        retries = Counter.builder("sidecar.build.retries")
                .description("Build attempts retried after a transient database or Kafka failure")
                .baseUnit("attempts").register(registry);
        deadLetters = Counter.builder("sidecar.build.dead.letters")
                .description("Requests that could not be read and went to the dead-letter topic")
                .baseUnit("requests").register(registry);
        deduplicated = Counter.builder("sidecar.build.deduplicated")
                .description("Requests answered without a build: a snapshot this worker just built covers them")
                .baseUnit("requests").register(registry);
        jobsDied = Counter.builder("sidecar.build.errors")
                .description("Builds ended by an Error (a plugin's linkage error, a stack overflow, an out of memory)")
                .baseUnit("builds").register(registry);
        Gauge.builder("sidecar.build.in.flight", inFlight, AtomicInteger::get)
                .description("Requests taken from Kafka and not yet finished").baseUnit("requests").register(registry);
        Gauge.builder("sidecar.build.backlog", backlog, AtomicLong::get)
                .description("Requests waiting: not yet read from Kafka, or read and not yet finished")
                .baseUnit("requests").register(registry);
        Gauge.builder("sidecar.build.paused", paused, AtomicInteger::get)
                .description("1 while the worker takes no more requests because the most it holds are in flight"
                        + " (builds are slower than requests arrive), else 0").baseUnit("workers")
                .register(registry);
        rateLimitWaits = Timer.builder("sidecar.build.rate.limit.wait")
                .description("Time builds waited for the builds-per-second limit").register(registry);
    }

    /**
     * Meters for every aggregate type the folds have measured, read from its running totals: events folded, their
     * bytes, and the time from the first event read to the last one folded. Called every report; registers a type
     * once.
     */
    void observeFolds(FoldMeter folds) {
        for (String type : folds.totals().keySet()) {
            if (!foldTypes.add(type)) {
                continue;
            }
            FunctionCounter.builder("sidecar.build.fold.events", folds, f -> f.total(type).events())
                    .tag("aggregate.type", type).description("Events folded by builds, per aggregate type")
                    .baseUnit("events").register(registry);
            FunctionCounter.builder("sidecar.build.fold.bytes", folds, f -> f.total(type).bytes())
                    .tag("aggregate.type", type).description("Payload and metadata of the events builds folded")
                    .baseUnit("bytes").register(registry);
            FunctionCounter.builder("sidecar.build.fold.time", folds, f -> f.total(type).micros() / 1e6)
                    .tag("aggregate.type", type)
                    .description("Time builds spent from the first event read to the last one folded")
                    .baseUnit("seconds").register(registry);
        }
    }

    void finished(Outcome outcome, long buildMillis) {
        outcomes.get(outcome).increment();
        buildTimer.record(Duration.ofMillis(buildMillis));
    }

    void waitedForPermit(Duration wait) {
        rateLimitWaits.record(wait);
    }

    void retried() {
        retries.increment();
    }

    void deadLettered() {
        deadLetters.increment();
    }

    void deduplicated() {
        deduplicated.increment();
    }

    void jobDied() {
        jobsDied.increment();
    }
}
