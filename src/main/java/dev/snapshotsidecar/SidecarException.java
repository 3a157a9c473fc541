package dev.snapshotsidecar;

/**
 * Root of the sidecar's small exception hierarchy. Each subclass names one condition and carries its data, so a
 * caller decides what to do from the type and fields, never from message text. Unchecked.
 */
public class SidecarException extends RuntimeException {
    public SidecarException(String message) {
        super(message);
    }

    public SidecarException(String message, Throwable cause) {
        super(message, cause);
    }
}
