package dev.snapshotsidecar.store;

import dev.snapshotsidecar.SidecarException;

/** The database server cannot serve the sidecar or its change data capture; start-up stops with this message. */
public class UnsupportedDatabaseException extends SidecarException {
    private final String found;
    private final String needed;

    public UnsupportedDatabaseException(String found, String needed) {
        super("the database is " + found + ", but " + needed + " is needed; the sidecar will not start");
        this.found = found;
        this.needed = needed;
    }

    public String found() {
        return found;
    }

    public String needed() {
        return needed;
    }
}
