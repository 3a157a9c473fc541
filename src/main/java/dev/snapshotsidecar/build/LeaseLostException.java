package dev.snapshotsidecar.build;

import dev.snapshotsidecar.SidecarException;

/** A build stopped before writing because its worker no longer owns the request; the new owner builds it. */
public final class LeaseLostException extends SidecarException {
    private final String streamId;

    public LeaseLostException(String streamId) {
        super("the build of " + streamId + " stopped before writing: its request moved to another worker");
        this.streamId = streamId;
    }

    public String streamId() {
        return streamId;
    }
}
