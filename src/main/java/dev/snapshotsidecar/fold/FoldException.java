package dev.snapshotsidecar.fold;

import dev.snapshotsidecar.SidecarException;

/** An aggregator could not apply an event; the build of that one stream fails with this reason, the rest go on. */
public class FoldException extends SidecarException {
    private final String streamId;
    private final long version;
    private final String eventType;

    public FoldException(String streamId, long version, String eventType, String reason, Throwable cause) {
        super("fold of " + streamId + " failed at version " + version + " (" + eventType + "): " + reason, cause);
        this.streamId = streamId;
        this.version = version;
        this.eventType = eventType;
    }

    public String streamId() {
        return streamId;
    }

    public long version() {
        return version;
    }

    public String eventType() {
        return eventType;
    }
}
