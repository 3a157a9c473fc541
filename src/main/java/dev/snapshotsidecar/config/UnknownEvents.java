package dev.snapshotsidecar.config;

/** What a declarative fold does with an event type it has no expression for. */
public enum UnknownEvents implements ConfigChoice {
    /** The stream's build fails, naming the event type: a snapshot that skipped an event would be wrong. */
    FAIL("fail"),
    /** The event leaves the state as it was: for types that only some events change. */
    IGNORE("ignore");

    private final String configName;

    UnknownEvents(String configName) {
        this.configName = configName;
    }

    @Override
    public String configName() {
        return configName;
    }
}
