package dev.snapshotsidecar.build;

/**
 * Whether the worker still owns the request being built: false once its partition was revoked or lost, and then the
 * build must not write (the partition's new owner builds the stream). Checked right before every write.
 * Implementations are thread-safe and answer from memory.
 */
@FunctionalInterface
public interface BuildLease {
    boolean held();

    /** Always held: for tools and tests that build outside a worker. */
    BuildLease ALWAYS = () -> true;
}
