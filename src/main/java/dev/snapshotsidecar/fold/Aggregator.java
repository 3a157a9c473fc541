package dev.snapshotsidecar.fold;

/**
 * Folds a stream's events into the state a snapshot stores. Implementations are found with
 * {@link java.util.ServiceLoader} (built in, or in a plugin jar of the configured directory) and are named in the
 * configuration by {@link #name()}.
 *
 * <p>Lifecycle: one instance per process, created at start-up; {@link #apply} is called once per event, in version
 * order, from several builder threads at once, so implementations must be stateless and thread-safe. States are
 * immutable values. An event type the aggregator does not know should throw {@link UnknownEventTypeException}: a
 * snapshot that silently skipped an event would be wrong, and the service would trust it.
 *
 * @param <S> the immutable state type
 */
public interface Aggregator<S> {

    /** The name configuration refers to, e.g. {@code clinical.patient}. */
    String name();

    /** The state before the first event. Never null. */
    S initialState();

    /** The state after {@code event}; a pure function of its arguments. */
    S apply(S state, StoredEvent event);

    /**
     * The version of the state's JSON form. Bump it when the form changes: the builder then ignores snapshots of
     * other versions and folds from the newest one of its own, or from the first event.
     */
    int schemaVersion();

    /** The JSON text stored in {@code snapshot_data}; what the service reads back. */
    String toJson(S state);

    /** Reads a state written by {@link #toJson} at the same {@link #schemaVersion()}. */
    S fromJson(String json);
}
