package dev.snapshotsidecar.fold;

import dev.snapshotsidecar.SidecarException;

/** Thrown by an aggregator for an event type it does not know, rather than skipping it and writing a wrong snapshot. */
public class UnknownEventTypeException extends SidecarException {
    private final String aggregator;
    private final String eventType;

    public UnknownEventTypeException(String aggregator, String eventType) {
        super("aggregator " + aggregator + " does not know event type " + eventType);
        this.aggregator = aggregator;
        this.eventType = eventType;
    }

    public String aggregator() {
        return aggregator;
    }

    public String eventType() {
        return eventType;
    }
}
