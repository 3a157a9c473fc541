package dev.snapshotsidecar.config;

import java.util.List;
import java.util.Optional;

/**
 * The one definition of a configuration key: its name, type, default, rule and documentation. Names of per-type
 * keys start with {@code aggregate-types.<name>.}.
 *
 * @param name         dotted lower-case name, as in the YAML file
 * @param type         how the text value is parsed
 * @param defaultValue the default as text; empty for required or optional keys
 * @param required     whether start-up fails without it
 * @param secret       masked when the effective configuration is logged
 * @param min          smallest accepted value for INT (as a number) and DURATION (in milliseconds)
 * @param choices      accepted values for ENUM
 * @param doc          one sentence for the configuration reference
 */
public record ConfigKey(String name, Type type, Optional<String> defaultValue, boolean required, boolean secret,
                        long min, List<String> choices, String doc) {

    /** How a key's text is read. */
    public enum Type { STRING, INT, LONG, BOOLEAN, DURATION, ENUM, LIST, REGEX, PATH, ZONE, WINDOW }

    static ConfigKey of(String name, Type type, String doc) {
        return new ConfigKey(name, type, Optional.empty(), false, false, Long.MIN_VALUE, List.of(), doc);
    }

    ConfigKey defaultsTo(String value) {
        return new ConfigKey(name, type, Optional.of(value), required, secret, min, choices, doc);
    }

    ConfigKey requiredKey() {
        return new ConfigKey(name, type, defaultValue, true, secret, min, choices, doc);
    }

    ConfigKey secretKey() {
        return new ConfigKey(name, type, defaultValue, required, true, min, choices, doc);
    }

    ConfigKey atLeast(long minimum) {
        return new ConfigKey(name, type, defaultValue, required, secret, minimum, choices, doc);
    }

    ConfigKey oneOf(String... values) {
        return new ConfigKey(name, Type.ENUM, defaultValue, required, secret, min, List.of(values), doc);
    }

    /** The environment variable that overrides this key: {@code SIDECAR_} and the name in upper case, {@code _} for {@code .} and {@code -}. */
    public String environmentVariable() {
        return environmentVariable(name);
    }

    static String environmentVariable(String key) {
        return "SIDECAR_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The rule in words, for error messages and the reference. */
    public String rule() {
        return switch (type) {
            case INT, LONG -> min == Long.MIN_VALUE ? "must be an integer" : "must be an integer of at least " + min;
            case BOOLEAN -> "must be true or false";
            case ZONE -> "must be a time zone such as UTC or Europe/London";
            case WINDOW -> "must be a daily window such as 02:00-04:00 (it may cross midnight)";
            case DURATION -> "must be a duration such as 500ms, 30s, 5m, 1h or PT5M"
                    + (min == Long.MIN_VALUE ? "" : " of at least " + Durations.format(min));
            case ENUM -> "must be one of " + String.join(", ", choices);
            case LIST -> "must be a list or a comma-separated string";
            case REGEX -> "must be a valid Java regular expression";
            case PATH -> "must be a file system path";
            case STRING -> "must be a non-empty string";
        };
    }
}
