package dev.snapshotsidecar.build;

import dev.snapshotsidecar.config.SidecarConfig;

import java.time.Duration;

/**
 * How the snapshot worker runs.
 *
 * @param groupId            its consumer group, {@code <application-id>-builder}
 * @param concurrency        builds at once
 * @param maxBuildsPerSecond builds (and erasures) started per second at most
 * @param backoff            waits between attempts after a transient database failure
 * @param giveUpAfter        a build still failing transiently after this long reports FAILED
 * @param stuckAfter         a build still running after this long is hung: the worker is then not alive
 * @param foldReports        where and how often the fold speeds measured are reported to every tracker task
 */
public record WorkerSettings(String groupId, String requestsTopic, String resultsTopic, String deadLettersTopic,
                             int concurrency, int maxBuildsPerSecond, Backoff backoff, Duration giveUpAfter,
                             Duration stuckAfter, FoldReports foldReports) {

    /** The commands topic the fold speeds go to (empty: they are not reported) and how often. */
    public record FoldReports(String commandsTopic, Duration interval) {
        public static final FoldReports NONE = new FoldReports("", Duration.ofSeconds(30));
    }

    /** Settings that report no fold speed. */
    public WorkerSettings(String groupId, String requestsTopic, String resultsTopic, String deadLettersTopic,
                          int concurrency, int maxBuildsPerSecond, Backoff backoff, Duration giveUpAfter,
                          Duration stuckAfter) {
        this(groupId, requestsTopic, resultsTopic, deadLettersTopic, concurrency, maxBuildsPerSecond, backoff,
                giveUpAfter, stuckAfter, FoldReports.NONE);
    }

    public static WorkerSettings of(SidecarConfig config) {
        return new WorkerSettings(config.kafka().applicationId() + "-builder", config.topics().requests(),
                config.topics().results(), config.topics().deadLetters(), config.worker().concurrency(),
                config.worker().maxBuildsPerSecond(),
                new Backoff(config.worker().retryInitialBackoff(), Duration.ofSeconds(30)),
                config.worker().retryGiveUpAfter(), config.worker().stuckBuildTimeout(),
                new FoldReports(config.topics().commands(), config.worker().foldReportInterval()));
    }
}
