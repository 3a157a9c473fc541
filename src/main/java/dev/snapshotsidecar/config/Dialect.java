package dev.snapshotsidecar.config;

/**
 * {@code database.dialect}: the SQL dialect of the event store. {@link #configName()} is also the name a dialect's
 * stores and its connector template ({@code connect/<name>.json}) are found by.
 */
public enum Dialect implements ConfigChoice {
    POSTGRES("postgres"),
    SQL_SERVER("sqlserver");

    private final String configName;

    Dialect(String configName) {
        this.configName = configName;
    }

    @Override
    public String configName() {
        return configName;
    }
}
