package dev.snapshotsidecar.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The one definition of a configuration key: its name, type, default, rule and documentation. Names of per-type
 * keys start with {@code aggregate-types.<name>.}.
 *
 * @param name         dotted lower-case name, as in the YAML file
 * @param type         how the text value is parsed
 * @param defaultValue the default; empty for required or optional keys
 * @param required     whether start-up fails without it
 * @param secret       masked when the effective configuration is logged
 * @param range        accepted values for INT and LONG, and for DURATION in milliseconds, both ends included
 * @param choices      accepted values for ENUM, the configuration names of an enum's constants
 * @param doc          one sentence for the configuration reference
 */
public record ConfigKey(String name, Type type, Optional<Default> defaultValue, boolean required, boolean secret,
                        Range range, List<String> choices, String doc) {

    /**
     * The longest duration any key accepts. Longer is a typo, and the bound keeps the arithmetic on times (a deadline
     * of now plus a timeout, a backoff doubled per failure) far from overflowing.
     */
    static final Duration LONGEST_DURATION = Duration.ofDays(365);

    /** How a key's text is read. */
    public enum Type { STRING, INT, LONG, BOOLEAN, DURATION, ENUM, LIST, REGEX, PATH, ZONE, WINDOW, JDBC_URL, URL, JSON, JSONATA }

    /**
     * A key's default: a fixed value, or the value of another key with a suffix (topic names made from the
     * application id, so that two deployments on one cluster never share them).
     */
    public sealed interface Default {
        /** The default as the configuration reference shows it: {@code 6}, {@code <kafka.application-id>-requests}. */
        String describe();

        /** The default's value, given the value of any key it names. */
        String resolve(UnaryOperator<String> valueOf);

        /** A value of its own. */
        record Fixed(String value) implements Default {
            @Override
            public String describe() {
                return value;
            }

            @Override
            public String resolve(UnaryOperator<String> valueOf) {
                return value;
            }
        }

        /** The value of {@code key} followed by {@code suffix}; {@code key} is a global key with a fixed default. */
        record Derived(String key, String suffix) implements Default {
            @Override
            public String describe() {
                return "<" + key + ">" + suffix;
            }

            @Override
            public String resolve(UnaryOperator<String> valueOf) {
                return valueOf.apply(key) + suffix;
            }
        }
    }

    /** The accepted values of a number, both ends included; for a duration, in milliseconds. */
    public record Range(long min, long max) {
        static Range of(Type type) {
            return switch (type) {
                case INT -> new Range(Integer.MIN_VALUE, Integer.MAX_VALUE);
                case DURATION -> new Range(Long.MIN_VALUE, LONGEST_DURATION.toMillis());
                default -> new Range(Long.MIN_VALUE, Long.MAX_VALUE);
            };
        }
    }

    static ConfigKey of(String name, Type type, String doc) {
        return new ConfigKey(name, type, Optional.empty(), false, false, Range.of(type), List.of(), doc);
    }

    ConfigKey defaultsTo(String value) {
        return new ConfigKey(name, type, Optional.of(new Default.Fixed(value)), required, secret, range, choices, doc);
    }

    ConfigKey defaultsTo(ConfigChoice value) {
        return defaultsTo(value.configName());
    }

    /** The default is the value of another key followed by a suffix, e.g. {@code <kafka.application-id>-requests}. */
    ConfigKey defaultsToValueOf(String key, String suffix) {
        return new ConfigKey(name, type, Optional.of(new Default.Derived(key, suffix)), required, secret, range,
                choices, doc);
    }

    ConfigKey requiredKey() {
        return new ConfigKey(name, type, defaultValue, true, secret, range, choices, doc);
    }

    ConfigKey secretKey() {
        return new ConfigKey(name, type, defaultValue, required, true, range, choices, doc);
    }

    ConfigKey atLeast(long minimum) {
        return new ConfigKey(name, type, defaultValue, required, secret, new Range(minimum, range.max()), choices, doc);
    }

    ConfigKey atMost(long maximum) {
        return new ConfigKey(name, type, defaultValue, required, secret, new Range(range.min(), maximum), choices, doc);
    }

    /** An enumerated key: it accepts the {@link ConfigChoice#configName() names} of the enum's constants, in order. */
    <E extends Enum<E> & ConfigChoice> ConfigKey oneOf(Class<E> choices) {
        List<String> names = java.util.Arrays.stream(choices.getEnumConstants()).map(ConfigChoice::configName).toList();
        return new ConfigKey(name, Type.ENUM, defaultValue, required, secret, range, names, doc);
    }

    /**
     * Whether this definition is a family of keys, one per name the user chooses (its name ends with {@code .*}, as
     * {@code fold.jsonata.events.*}), and {@code name} one of them.
     */
    public boolean matches(String name) {
        return this.name.endsWith(".*") ? name.startsWith(this.name.substring(0, this.name.length() - 1))
                && name.length() > this.name.length() - 1 : this.name.equals(name);
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
        Range typeRange = Range.of(type);
        boolean hasMin = range.min() != typeRange.min();
        boolean hasMax = range.max() != typeRange.max();
        return switch (type) {
            case INT, LONG -> hasMax ? rangeRule()
                    : hasMin ? "must be an integer of at least " + range.min() : "must be an integer";
            case BOOLEAN -> "must be true or false";
            case ZONE -> "must be a time zone such as UTC or Europe/London";
            case WINDOW -> "must be a daily window such as 02:00-04:00 (it may cross midnight)";
            case DURATION -> "must be a duration such as 500ms, 30s, 5m, 1h or PT5M"
                    + (hasMin ? " from " + Durations.format(range.min()) + " to " : " of at most ")
                    + Durations.format(range.max());
            case ENUM -> "must be one of " + String.join(", ", choices);
            case LIST -> "must be a list or a comma-separated string";
            case REGEX -> "must be a valid Java regular expression";
            case PATH -> "must be a file system path";
            case STRING -> "must be a non-empty string";
            case JDBC_URL -> "must be a JDBC URL (jdbc:...); a password in it is masked in logs";
            case URL -> "must be an absolute http:// or https:// URL without user info, query or fragment";
            case JSON -> "must be a JSON value (a YAML mapping is read as one)";
            case JSONATA -> "must be a JSONata expression";
        };
    }

    /** The rule of an INT or LONG with both ends of its range, for a value past its upper end. */
    String rangeRule() {
        return "must be an integer from " + range.min() + " to " + range.max();
    }
}
