package dev.snapshotsidecar.config;

/** One thing wrong with the configuration: the key, the value found (masked when secret) and the rule it breaks. */
public record ConfigProblem(String key, String value, String rule) {
    @Override
    public String toString() {
        return value.isEmpty() ? "`" + key + "`: " + rule : "Invalid value " + value + " for `" + key + "`: " + rule;
    }
}
