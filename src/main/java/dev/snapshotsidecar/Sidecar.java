package dev.snapshotsidecar;

import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.build.Backoff;
import dev.snapshotsidecar.build.BuildRules;
import dev.snapshotsidecar.build.SnapshotBootstrap;
import dev.snapshotsidecar.build.FoldingSnapshotBuilder;
import dev.snapshotsidecar.build.SnapshotBuilder;
import dev.snapshotsidecar.build.SnapshotWorker;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.ingest.AggregateTypeResolver;
import dev.snapshotsidecar.ingest.ChangeEventParser;
import dev.snapshotsidecar.ingest.TimestampUnit;
import dev.snapshotsidecar.store.TransientStoreException;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.track.TopicSetup;
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
 * One running sidecar: the tracker topology and the snapshot worker, over one connection pool. {@link #start}
 * returns once both are started; {@link #close()} stops the worker first (its builds finish and commit), then the
 * topology, then the pool.
 */
public final class Sidecar implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sidecar.class);

    private final KafkaStreams streams;
    private final SnapshotWorker worker;
    private final HikariDataSource pool;
    private final DialectStores stores;

    private Sidecar(KafkaStreams streams, SnapshotWorker worker, HikariDataSource pool, DialectStores stores) {
        this.streams = streams;
        this.worker = worker;
        this.pool = pool;
        this.stores = stores;
    }

    /**
     * @param waitForTopics how long to wait for Kafka and the Debezium topics before giving up
     */
    public static Sidecar start(SidecarConfig config, AggregatorRegistry aggregators, MeterRegistry meters,
                                Clock clock, Duration waitForTopics) {
        LOG.info("effective configuration:\n  {}", String.join("\n  ", config.effective()));
        TrackerSettings settings = TrackerTopology.settings(config);
        TopicSetup.ensure(config.kafka().properties(), config.kafka().bootstrapServers(), settings,
                config.kafka().replicationFactor(), waitForTopics);

        HikariDataSource pool = DialectStores.pool(config.database(), "snapshot-builder");
        DialectStores stores = DialectStores.of(config.database(), pool);
        try {
            awaitDatabase(stores, waitForTopics);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        if (TopicSetup.firstStart(config.kafka().properties(), config.kafka().bootstrapServers(),
                config.kafka().applicationId())) {
            SnapshotBootstrap.publish(stores.snapshots(), config.kafka().properties(),
                    config.kafka().bootstrapServers(), config.topics().results());
        }
        SnapshotBuilder builder = new FoldingSnapshotBuilder(stores.snapshots(), stores.events(), aggregators,
                BuildRules.byType(config), config.database().firstVersion(), clock);

        ChangeEventParser parser = new ChangeEventParser(config.database().columns(),
                new AggregateTypeResolver(config.aggregateTypes()),
                TimestampUnit.valueOf(config.ingest().timestampUnit().toUpperCase(java.util.Locale.ROOT)));
        KafkaStreams streams = new KafkaStreams(
                TrackerTopology.build(settings, parser, clock, new TrackerMetrics(meters)),
                TrackerTopology.streamsConfig(config));
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("tracker stream thread failed ({}); replacing it, state is restored from the changelog",
                    e.getClass().getName(), e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        SnapshotWorker worker = new SnapshotWorker(config.kafka().properties(), config.kafka().bootstrapServers(),
                config.kafka().applicationId() + "-builder", config.topics().requests(), config.topics().results(),
                builder, config.worker().concurrency(), config.worker().maxBuildsPerSecond(),
                new Backoff(config.worker().retryInitialBackoff(), Duration.ofSeconds(30)),
                config.worker().retryGiveUpAfter(), meters, clock);
        streams.start();
        worker.start();
        LOG.info("sidecar started: tracking {} for {}", config.topics().source(),
                config.aggregateTypes().stream().map(SidecarConfig.AggregateType::name).toList());
        return new Sidecar(streams, worker, pool, stores);
    }

    /** Checks the server, waiting out an unreachable database with backoff rather than failing start-up. */
    private static void awaitDatabase(DialectStores stores, Duration giveUpAfter) {
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
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                wait = Math.min(wait * 2, 30_000);
            }
        }
    }

    public static Map<String, String> aggregatorByType(SidecarConfig config) {
        return config.aggregateTypes().stream()
                .collect(Collectors.toMap(SidecarConfig.AggregateType::name, SidecarConfig.AggregateType::aggregator));
    }

    public KafkaStreams.State trackerState() {
        return streams.state();
    }

    public boolean workerAlive() {
        return worker.isAlive();
    }

    public DialectStores stores() {
        return stores;
    }

    @Override
    public void close() {
        worker.close();
        streams.close(Duration.ofSeconds(30));
        pool.close();
        LOG.info("sidecar stopped");
    }
}
