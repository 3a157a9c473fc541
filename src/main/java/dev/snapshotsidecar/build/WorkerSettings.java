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
 */
public record WorkerSettings(String groupId, String requestsTopic, String resultsTopic, String deadLettersTopic,
                             int concurrency, int maxBuildsPerSecond, Backoff backoff, Duration giveUpAfter,
                             Duration stuckAfter) {

    public static WorkerSettings of(SidecarConfig config) {
        return new WorkerSettings(config.kafka().applicationId() + "-builder", config.topics().requests(),
                config.topics().results(), config.topics().deadLetters(), config.worker().concurrency(),
                config.worker().maxBuildsPerSecond(),
                new Backoff(config.worker().retryInitialBackoff(), Duration.ofSeconds(30)),
                config.worker().retryGiveUpAfter(), config.worker().stuckBuildTimeout());
    }
}
