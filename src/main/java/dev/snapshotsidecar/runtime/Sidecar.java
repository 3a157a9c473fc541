package dev.snapshotsidecar.runtime;

import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.SidecarException;
import dev.snapshotsidecar.build.WorkerSettings;
import dev.snapshotsidecar.track.RequestQueueWatch;
import dev.snapshotsidecar.build.BuildRules;
import dev.snapshotsidecar.build.SnapshotBootstrap;
import dev.snapshotsidecar.build.FoldMeter;
import dev.snapshotsidecar.build.FoldingSnapshotBuilder;
import dev.snapshotsidecar.build.Folds;
import dev.snapshotsidecar.build.SchemaWatch;
import dev.snapshotsidecar.build.SnapshotBuilder;
import dev.snapshotsidecar.build.SnapshotWorker;
import dev.snapshotsidecar.config.Partitioning;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.ingest.AggregateTypeResolver;
import dev.snapshotsidecar.ingest.ChangeEventParser;
import dev.snapshotsidecar.store.TransientStoreException;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.observe.AdminDatabase;
import dev.snapshotsidecar.observe.AdminOperations;
import dev.snapshotsidecar.observe.AdminServer;
import dev.snapshotsidecar.observe.BuildHistory;
import dev.snapshotsidecar.observe.InstanceStatus;
import dev.snapshotsidecar.observe.HeadStatistics;
import dev.snapshotsidecar.observe.ReplayCostEstimate;
import dev.snapshotsidecar.track.FoldSpeed;
import dev.snapshotsidecar.observe.SidecarMetrics;
import dev.snapshotsidecar.track.HeadsQuery;
import dev.snapshotsidecar.track.ManualRequests;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.track.StreamHead;
import dev.snapshotsidecar.request.TrackerCommand;
import dev.snapshotsidecar.track.TrackerCommands;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import dev.snapshotsidecar.track.PlacementDecision;
import dev.snapshotsidecar.track.PlacementProbe;
import dev.snapshotsidecar.track.TopicSetup;
import dev.snapshotsidecar.track.TrackerLag;
import dev.snapshotsidecar.track.TrackerMetrics;
import dev.snapshotsidecar.track.TrackerSettings;
import dev.snapshotsidecar.track.TrackerTopology;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One running sidecar: the tracker topology and the snapshot worker over one connection pool, and the HTTP server
 * with the admin API's own small pool. {@link #start} starts the HTTP server first, so probes answer while it waits
 * for Kafka, the source topics and the database, and returns once all are started; {@link #close()} stops the
 * worker first (its builds finish and commit), then the topology, the HTTP server and the pools.
 */
public final class Sidecar implements AutoCloseable, AdminOperations {
    private static final Logger LOG = LoggerFactory.getLogger(Sidecar.class);

    private final SidecarConfig config;
    private final AggregatorRegistry aggregators;
    private final HikariDataSource pool;
    private final DialectStores stores;
    private final Optional<AdminDatabase> adminDatabase;
    private final Optional<AdminServer> server;
    private final ScheduledExecutorService background;
    private final BuildHistory builds = new BuildHistory(Clock.systemUTC());
    private volatile KafkaStreams streams;
    private volatile SnapshotWorker worker;
    private volatile HeadsQuery heads;
    private volatile ManualRequests manual;
    private volatile RequestQueueWatch queue;
    private volatile TrackerMetrics trackerMetrics;
    private volatile Partitioning placement;
    static final int CRASH_LOOP_FAILURES = 5;
    static final Duration QUEUE_STALE = Duration.ofMinutes(1);
    static final Duration CRASH_LOOP_WINDOW = Duration.ofMinutes(10);
    /** Tracker thread failures: a thread replaced again and again is a tracker that cannot go on. */
    private final CrashLoop threadFailures = new CrashLoop(CRASH_LOOP_FAILURES, CRASH_LOOP_WINDOW);
    private volatile Folds folds;
    private volatile SchemaWatch schemaWatch;
    private volatile TrackerLag lag;
    /** Runs reconcile passes; a pass may take long, so it has a thread of its own. */
    private final ScheduledExecutorService reconciling = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sidecar-reconcile");
        thread.setDaemon(true);
        return thread;
    });
    /** How often the reconcile thread looks whether a pass is due (the schedule, or an operator's request). */
    static final Duration RECONCILE_CHECK = Duration.ofSeconds(5);
    /** What start-up is doing or waiting for, until the tracker exists; for the readiness probe. */
    private volatile String starting;
    private volatile boolean started;

    private Sidecar(SidecarConfig config, AggregatorRegistry aggregators, HikariDataSource pool, DialectStores stores,
                    SidecarMetrics metrics) {
        this.config = config;
        this.aggregators = aggregators;
        this.pool = pool;
        this.stores = stores;
        this.background = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sidecar-statistics");
            thread.setDaemon(true);
            return thread;
        });
        this.starting = "preparing the topics on Kafka at " + config.kafka().bootstrapServers();
        // the admin API's database pool exists before the server that reads it
        this.adminDatabase = config.http().port() < 0 ? Optional.empty()
                : Optional.of(AdminDatabase.open(config.database(), metrics.registry()));
        try {
            this.server = config.http().port() < 0 ? Optional.empty()
                    : Optional.of(new AdminServer(config.http(), this, metrics));
        } catch (java.io.IOException e) {
            adminDatabase.ifPresent(AdminDatabase::close);
            background.shutdownNow();
            throw new SidecarException("cannot listen on port " + config.http().port() + ": " + e.getMessage(), e);
        }
        adminDatabase.ifPresent(AdminDatabase::start);
    }

    /**
     * Starts the HTTP server (live, not ready), waits for Kafka, the source topics and the database, then starts the
     * pipeline; returns once it is started.
     *
     * @param waitForTopics how long to wait for Kafka, the Debezium topics and the database before giving up
     */
    public static Sidecar start(SidecarConfig config, AggregatorRegistry aggregators, SidecarMetrics metrics,
                                Clock clock, Duration waitForTopics) {
        LOG.info("effective configuration:\n  {}", String.join("\n  ", config.effective()));
        // the pool connects on first use only, so creating it before the wait costs nothing
        HikariDataSource pool = DialectStores.pool(config.database(), "snapshot-builder", metrics.registry());
        Sidecar sidecar;
        try {
            sidecar = new Sidecar(config, aggregators, pool, DialectStores.of(config.database(), pool), metrics);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        try {
            // auto is resolved once the source topics exist; until then it needs no more than stream-id does
            Partitioning configured = config.tracker().partitioning();
            TopicSetup.ensure(config.kafka().properties(), config.kafka().bootstrapServers(),
                    TrackerTopology.settings(config, configured == Partitioning.AUTO ? Partitioning.STREAM_ID
                            : configured), config.kafka().replicationFactor(), waitForTopics,
                    waitingFor -> sidecar.starting = "waiting for " + waitingFor);
            sidecar.starting = "choosing where the tracker keeps its heads";
            PlacementDecision placement = PlacementProbe.resolve(config, waitForTopics,
                    waitingFor -> sidecar.starting = "waiting for " + waitingFor);
            if (configured == Partitioning.AUTO && placement.chosen() == Partitioning.SOURCE) {
                // the partition count was checked by the decision on a first start; on a later one, here
                TopicSetup.ensure(config.kafka().properties(), config.kafka().bootstrapServers(),
                        TrackerTopology.settings(config, Partitioning.SOURCE), config.kafka().replicationFactor(),
                        waitForTopics, waitingFor -> sidecar.starting = "waiting for " + waitingFor);
            }
            sidecar.starting = "checking the database";
            awaitDatabase(sidecar.stores, waitForTopics, problem -> sidecar.starting = "waiting for the database: "
                    + problem);
            sidecar.starting = "checking the database's change data capture";
            CaptureChecks.apply(sidecar.stores.schema().checkCapture(), config.database().checkCapture());
            sidecar.starting = "starting the tracker and the snapshot worker";
            sidecar.startPipeline(clock, metrics, placement.chosen());
        } catch (RuntimeException e) {
            sidecar.close();
            throw e;
        }
        return sidecar;
    }

    private void startPipeline(Clock clock, SidecarMetrics metrics, Partitioning placement) {
        MeterRegistry meters = metrics.registry();
        this.placement = placement;
        TrackerSettings settings = TrackerTopology.settings(config, placement);
        Properties streamsConfig = TrackerTopology.streamsConfig(config);
        if (TopicSetup.firstStart(config.kafka().properties(), config.kafka().bootstrapServers(),
                config.kafka().applicationId())
                && SnapshotBootstrap.publish(stores.snapshots(), config.kafka().properties(),
                config.kafka().bootstrapServers(), config.topics().results(), settings.placement(),
                settings.partitions()) > 0) {
            settings = settings.awaitingBootstrap();
        }
        WorkerSettings workerSettings = WorkerSettings.of(config);
        RequestQueueWatch queue = new RequestQueueWatch(config.kafka().properties(),
                config.kafka().bootstrapServers(), config.topics().requests(), workerSettings.groupId(),
                settings.partitions(), clock);
        this.queue = queue;
        queue.start();
        Folds folds = Folds.of(config, aggregators, meters, clock);
        this.folds = folds;
        // the builder reads its events through the meter, which measures each type's fold speed for the tracker
        FoldMeter meter = new FoldMeter();
        SnapshotBuilder builder = meter.builder(new FoldingSnapshotBuilder(stores.snapshots(),
                meter.reader(stores.events()), folds, BuildRules.byType(config), config.database().firstVersion(),
                clock));
        HostInfo self = new HostInfo(config.http().advertisedHost(), server.map(AdminServer::port).orElse(0));
        if (server.isPresent()) {
            streamsConfig.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        }

        ChangeEventParser parser = new ChangeEventParser(config.database().columns(),
                new AggregateTypeResolver(config.aggregateTypes()),
                config.ingest().timestampUnit(),
                config.database().firstVersion());
        TrackerMetrics trackerMetrics = TrackerMetrics.bound(meters);
        this.trackerMetrics = trackerMetrics;
        KafkaStreams streams = new KafkaStreams(
                TrackerTopology.build(settings, parser, clock, trackerMetrics, queue), streamsConfig);
        new KafkaStreamsMetrics(streams).bindTo(meters);
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("tracker stream thread failed ({}); replacing it, state is restored from the changelog",
                    e.getClass().getName(), e);
            threadFailures.failed(System.nanoTime());
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        SnapshotWorker worker = new SnapshotWorker(config.kafka().properties(), config.kafka().bootstrapServers(),
                workerSettings, builder, meter, meters, clock);
        worker.onFinished(builds::record);
        metrics.thresholds(config.aggregateTypes().stream().collect(Collectors.toMap(
                SidecarConfig.AggregateType::name, SidecarConfig.AggregateType::everyNEvents)));
        this.streams = streams;
        this.worker = worker;
        this.heads = new HeadsQuery(streams, self, settings.placement(), settings.partitions(),
                settings.resultsTopic());
        this.manual = new ManualRequests(config.kafka().properties(), config.kafka().bootstrapServers(),
                config.topics().requests(), config.topics().results(), settings.placement(), settings.partitions());
        TrackerLag lag = new TrackerLag(config.kafka().properties(), config.kafka().bootstrapServers(), settings,
                config.kafka().applicationId());
        this.lag = lag;
        Reconciler reconciler = new Reconciler(stores.events(), new AggregateTypeResolver(config.aggregateTypes()),
                new TrackerHeads(heads, lag), manual::reconcile, config.reconcile(), clock,
                pause -> Thread.sleep(pause.toMillis(), pause.toNanosPart() % 1_000_000), clock.millis());
        reconciler.bindTo(meters);
        streams.start();
        worker.start();
        // a fold whose schema version changed (now, or while this instance was down) starts its type's rebuild
        this.schemaWatch = new SchemaWatch(folds, stores.snapshots(), type -> {
            try {
                TrackerCommands.broadcast(config.kafka().properties(), config.kafka().bootstrapServers(),
                        config.topics().commands(), TrackerCommand.rebuild(type, java.time.Instant.now()));
            } catch (Exception e) {
                throw new SidecarException("cannot send the rebuild command of " + type + ": " + e.getMessage(), e);
            }
        });
        schemaWatch.start();
        started = true;
        background.scheduleWithFixedDelay(() -> refreshStatistics(metrics), 10, 30, TimeUnit.SECONDS);
        reconciling.scheduleWithFixedDelay(() -> reconcile(reconciler), RECONCILE_CHECK.toMillis(),
                RECONCILE_CHECK.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("sidecar started: tracking {} for {}", config.topics().source(),
                config.aggregateTypes().stream().map(SidecarConfig.AggregateType::name).toList());
    }

    /** On the reconcile thread: a pass, when one is due and the tracker runs. */
    private void reconcile(Reconciler reconciler) {
        try {
            if (streams.state() == KafkaStreams.State.RUNNING) {
                reconciler.check();
            }
        } catch (RuntimeException e) {
            LOG.warn("reconcile check failed: {}; checking again in {}", e.toString(), RECONCILE_CHECK);
        }
    }

    private void refreshStatistics(SidecarMetrics metrics) {
        try {
            if (streams.state() == KafkaStreams.State.RUNNING) {
                long now = System.currentTimeMillis();
                HeadStatistics statistics = HeadStatistics.collect(heads, config.database().firstVersion(), now);
                metrics.update(statistics, now);
                metrics.update(statistics, replayCosts());
            }
        } catch (RuntimeException e) {
            LOG.debug("stream statistics not refreshed: {}", e.toString());
        }
    }

    /** Where the tracker keeps its heads: {@code tracker.partitioning} as resolved at start-up; null until then. */
    public Partitioning placement() {
        return placement;
    }

    /** The HTTP server's port, when it runs. */
    public Optional<Integer> httpPort() {
        return server.map(AdminServer::port);
    }

    @Override
    public boolean live() {
        KafkaStreams.State state = streams == null ? KafkaStreams.State.CREATED : streams.state();
        boolean failed = state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR
                || (started && state == KafkaStreams.State.NOT_RUNNING) || crashLooping();
        return !failed && (worker == null || worker.isAlive());
    }

    /** Whether tracker threads failed {@link #CRASH_LOOP_FAILURES} times within {@link #CRASH_LOOP_WINDOW}. */
    private boolean crashLooping() {
        return threadFailures.looping(System.nanoTime());
    }

    /** From state kept current by other threads: never waits (the database verdict is the admin pool's check). */
    @Override
    public List<String> notReadyBecause() {
        List<String> reasons = new ArrayList<>();
        KafkaStreams streams = this.streams;
        if (streams == null) {
            reasons.add(starting);
        } else if (streams.state() != KafkaStreams.State.RUNNING) {
            reasons.add("the tracker is " + streams.state() + ", not RUNNING");
        }
        RequestQueueWatch watch = queue;
        if (watch != null && started && watch.readAtMillis() != 0
                && System.currentTimeMillis() - watch.readAtMillis() > QUEUE_STALE.toMillis()) {
            reasons.add("the worker's queue has not been read for " + (System.currentTimeMillis()
                    - watch.readAtMillis()) / 1000 + " s: pending requests are asked again only after "
                    + dev.snapshotsidecar.track.RequestQueue.FALLBACK_TIMEOUTS + " request timeouts");
        }
        int awaiting = trackerMetrics == null ? 0 : trackerMetrics.tasksAwaitingBootstrap();
        if (awaiting > 0) {
            reasons.add("reading the first start's announcements of existing snapshots in " + awaiting
                    + " tracker task(s): no snapshot is asked for until then");
        }
        if (worker != null && !worker.isAlive()) {
            reasons.add("the snapshot worker is not alive (" + worker.failure().orElse("closing") + ")");
        }
        int failures = threadFailures.recent(System.nanoTime());
        if (failures >= CRASH_LOOP_FAILURES) {
            reasons.add("tracker threads failed " + failures + " times within " + CRASH_LOOP_WINDOW.toMinutes()
                    + " min: not live, so the platform restarts the process");
        }
        adminDatabase.flatMap(AdminDatabase::problem).ifPresent(reasons::add);
        return reasons;
    }

    /** The tracker's heads; null until the pipeline is started. */
    public HeadsQuery heads() {
        return heads;
    }

    @Override
    public boolean started() {
        return heads != null;
    }

    @Override
    public HeadsQuery.Owner owner(String streamId) {
        HeadsQuery heads = this.heads;
        return heads == null ? new HeadsQuery.Owner.Unknown() : heads.owner(streamId);
    }

    @Override
    public Optional<StreamHead> head(String streamId) {
        return heads.local(streamId);
    }

    @Override
    public HeadStatistics localStatistics(long nowMillis) {
        return HeadStatistics.collect(heads, config.database().firstVersion(), nowMillis);
    }

    @Override
    public List<String> otherInstances() {
        return heads.others();
    }

    /** Read on the admin API's own pool, never the builders'. */
    @Override
    public LatestSnapshot latestSnapshot(String streamId, String aggregateType) {
        // an HTTP fold's version as last described: an admin request never waits for a fold service
        Folds folds = this.folds;
        int schema = folds == null ? 1 : folds.knownSchemaVersion(aggregateType).orElse(1);
        return adminDatabase.map(database -> database.latest(streamId, schema)).orElseGet(() ->
                new LatestSnapshot.Unavailable("the admin API is off (http.port -1)"));
    }

    @Override
    public SnapshotRequest requestSnapshot(String streamId, StreamHead head) throws Exception {
        LOG.info("snapshot of {} at version {} requested over HTTP", streamId, head.headVersion());
        return manual.request(streamId, head);
    }

    @Override
    public long resetHead(String streamId) throws Exception {
        java.util.OptionalLong last = adminDatabase.isPresent() ? adminDatabase.get().lastVersion(streamId)
                : stores.events().lastVersion(streamId);
        long version = last.isPresent() ? last.getAsLong() : config.database().firstVersion() - 1;
        LOG.info("head of {} reset to the database's version {} over HTTP", streamId, version);
        manual.resetHead(streamId, version);
        return version;
    }

    @Override
    public int requestRebuild(String aggregateType, java.time.Instant requestedAt) throws Exception {
        LOG.info("schema rebuild of {} requested over HTTP", aggregateType);
        return TrackerCommands.broadcast(config.kafka().properties(), config.kafka().bootstrapServers(),
                config.topics().commands(), TrackerCommand.rebuild(aggregateType, requestedAt));
    }

    @Override
    public dev.snapshotsidecar.track.RebuildProgress rebuildProgress(String aggregateType,
                                                                     java.time.Instant requestedAt) {
        return heads.rebuildProgress(aggregateType, requestedAt.toEpochMilli(), config.database().firstVersion());
    }

    @Override
    public int trackerTasks() {
        return config.topics().partitions();
    }

    @Override
    public InstanceStatus instanceStatus() {
        HeadsQuery heads = this.heads;
        SnapshotWorker worker = this.worker;
        KafkaStreams streams = this.streams;
        InstanceStatus.Partitions partitions = new InstanceStatus.Partitions(
                heads == null ? List.of() : List.copyOf(heads.localPartitions()),
                heads == null ? List.of() : List.copyOf(heads.standbyPartitions()), config.topics().requests(),
                worker == null ? List.of() : worker.assignedPartitions());
        Map<String, Integer> thresholds = new java.util.HashMap<>();
        config.aggregateTypes().stream().filter(t -> t.everyNEvents() > 0)
                .forEach(t -> thresholds.put(t.name(), t.everyNEvents()));
        return new InstanceStatus(config.http().advertisedHost() + ":" + httpPort().orElse(0),
                streams == null ? "CREATED" : streams.state().toString(), partitions,
                new InstanceStatus.Limits(config.worker().concurrency(), config.worker().maxBuildsPerSecond()),
                thresholds, builds.view());
    }

    @Override
    public Set<String> aggregateTypes() {
        return config.aggregateTypes().stream().map(SidecarConfig.AggregateType::name)
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    /** From this instance's tracker tasks; the configured prior for a type none has a measurement of, or before start. */
    @Override
    public Map<String, ReplayCostEstimate> replayCosts() {
        Map<String, FoldSpeed> speeds = Map.of();
        HeadsQuery heads = this.heads;
        if (heads != null) {
            try {
                speeds = heads.foldSpeeds();
            } catch (HeadsQuery.TrackerUnavailableException e) {
                LOG.debug("fold speeds not read: {}", e.getMessage());
            }
        }
        Map<String, ReplayCostEstimate> estimates = new java.util.TreeMap<>();
        for (SidecarConfig.AggregateType type : config.aggregateTypes()) {
            SidecarConfig.Tail tail = type.policy().tail();
            FoldSpeed speed = speeds.getOrDefault(type.name(), FoldSpeed.NONE);
            estimates.put(type.name(), new ReplayCostEstimate(speed.microsPerEvent(tail.priorMicrosPerEvent()),
                    speed.bytesPerEvent(), speed.measured().events(), tail.replayCostAbove()));
        }
        return estimates;
    }

    @Override
    public long firstVersion() {
        return config.database().firstVersion();
    }

    /** Checks the server, waiting out an unreachable database with backoff rather than failing start-up. */
    private static void awaitDatabase(DialectStores stores, Duration giveUpAfter,
                                      java.util.function.Consumer<String> waiting) {
        long deadline = System.nanoTime() + giveUpAfter.toNanos();
        long wait = 500;
        while (true) {
            try {
                stores.schema().checkServer();
                return;
            } catch (TransientStoreException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.info("waiting for the database: {}; next check in {} ms", e.getMessage(), wait);
                waiting.accept(e.getMessage());
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                wait = Math.min(wait * 2, TopicSetup.MAX_RECHECK.toMillis());
            }
        }
    }

    /** Whether every tracker task of this instance may ask for snapshots (a first start's announcements are read). */
    public boolean bootstrapped() {
        return trackerMetrics != null && trackerMetrics.tasksAwaitingBootstrap() == 0;
    }

    public KafkaStreams.State trackerState() {
        return streams.state();
    }

    public DialectStores stores() {
        return stores;
    }

    @Override
    public void close() {
        background.shutdownNow();
        reconciling.shutdownNow();
        try {
            // a pass stops at its next page or pause; it must not read or send after what it uses is closed
            reconciling.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (schemaWatch != null) {
            schemaWatch.close();
        }
        if (worker != null) {
            worker.close();
        }
        if (folds != null) {
            folds.close();
        }
        if (streams != null) {
            streams.close(Duration.ofSeconds(30));
        }
        if (manual != null) {
            manual.close();
        }
        if (queue != null) {
            queue.close();
        }
        if (lag != null) {
            lag.close();
        }
        server.ifPresent(AdminServer::close);
        adminDatabase.ifPresent(AdminDatabase::close);
        pool.close();
        LOG.info("sidecar stopped");
    }
}
