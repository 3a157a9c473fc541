package dev.snapshotsidecar.request;

/** The serdes of the messages between the stages, as their topics carry them (JSON). Thread-safe singletons. */
public final class MessageSerdes {
    /** {@code <app>-requests}: what the tracker (or an operator) asks of the worker. */
    public static final JsonSerde<SnapshotRequest> REQUEST = new JsonSerde<>(SnapshotRequest.class);
    /** {@code <app>-results}: how a build or erasure ended, read by the tracker. */
    public static final JsonSerde<SnapshotResult> RESULT = new JsonSerde<>(SnapshotResult.class);
    /** {@code <app>-commands}: commands to every tracker task. */
    public static final JsonSerde<TrackerCommand> COMMAND = new JsonSerde<>(TrackerCommand.class);

    private MessageSerdes() {
    }
}
