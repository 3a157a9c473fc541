package dev.snapshotsidecar.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.snapshotsidecar.config.ConfigKey.Type;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads the YAML file, applies environment overrides, validates every key and returns a {@link SidecarConfig}, or
 * throws {@link InvalidConfigurationException} listing every problem at once. Stateless.
 *
 * <p>Overrides: each key {@code a.b-c} is overridden by {@code SIDECAR_A_B_C}; Kafka client properties by
 * {@code SIDECAR_KAFKA_PROPERTIES_X_Y} (becoming {@code x.y}), as Kafka's own container images do.
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern TYPE_NAME = Pattern.compile("[a-z][a-z0-9_-]*");
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
    private static final String KAFKA_ENV_PREFIX = "SIDECAR_KAFKA_PROPERTIES_";

    private ConfigLoader() {
    }

    /**
     * @param aggregatorNames the aggregators available, given the plugin directory the configuration names
     */
    public static SidecarConfig load(Path file, Map<String, String> environment,
                                     Function<Optional<Path>, Set<String>> aggregatorNames) {
        return parse(read(file, "--config"), environment, aggregatorNames);
    }

    /**
     * The configuration of {@code file} with {@code overlay}'s keys laid over it: for each aggregate type the overlay
     * gives a fold ({@code aggregator} or {@code fold.*}), the file's fold keys of that type are dropped first. How
     * {@code verify --compare-with} and the demo fold a type another way with everything else unchanged.
     */
    public static SidecarConfig load(Path file, Path overlay, Map<String, String> environment,
                                     Function<Optional<Path>, Set<String>> aggregatorNames) {
        return parse(read(file, "--config"), Optional.of(read(overlay, overlay.toString())), environment,
                aggregatorNames);
    }

    private static String read(Path file, String what) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new InvalidConfigurationException(
                    List.of(new ConfigProblem(what, file.toString(), "cannot be read: " + e.getMessage())));
        }
    }

    /**
     * Parses the configuration section by section, in the order of the configuration reference. Every section adds
     * its problems and goes on with placeholders, so that the exception lists every problem at once.
     */
    public static SidecarConfig parse(String yaml, Map<String, String> environment,
                                      Function<Optional<Path>, Set<String>> aggregatorNames) {
        return parse(yaml, Optional.empty(), environment, aggregatorNames);
    }

    /** {@link #parse(String, Map, Function)} with an overlay laid over the file, as {@link #load(Path, Path, Map, Function)} describes. */
    public static SidecarConfig parse(String yaml, Optional<String> overlay, Map<String, String> environment,
                                      Function<Optional<Path>, Set<String>> aggregatorNames) {
        List<ConfigProblem> problems = new ArrayList<>();
        Map<String, String> raw = readYaml(yaml, problems);
        overlay.ifPresent(text -> overlay(raw, readYaml(text, problems)));
        applyEnvironment(raw, environment);
        Values values = new Values(raw, problems);
        unknownKeys(raw, values);

        SidecarConfig.Kafka kafka = kafka(values);
        SidecarConfig.Topics topics = topics(values);
        SidecarConfig.Database database = database(values);
        SidecarConfig.Ingest ingest = ingest(values);
        SidecarConfig.Tracker tracker = tracker(values);
        SidecarConfig.Reconcile reconcile = new SidecarConfig.Reconcile(values.bool("reconcile.enabled"),
                values.duration("reconcile.interval"), values.integer("reconcile.streams-per-second"),
                values.integer("reconcile.page-size"), values.duration("reconcile.grace"));
        SidecarConfig.Worker worker = worker(values);
        SidecarConfig.Http http = http(values);
        Duration shutdownGracePeriod = values.duration("shutdown.grace-period");
        LogFormat logFormat = values.choice("log.format", LogFormat.class);
        Optional<Path> plugins = pluginDirectory(values);
        List<SidecarConfig.AggregateType> types = aggregateTypes(raw, values, database.columns(),
                aggregators(plugins, aggregatorNames, values));
        if (!problems.isEmpty()) {
            throw new InvalidConfigurationException(problems);
        }
        return new SidecarConfig(kafka, topics, database, types, ingest, tracker, reconcile, worker, http,
                shutdownGracePeriod, logFormat, plugins, effective(raw, values));
    }

    /** The file's keys, flattened to dotted names; a file that is not YAML fails at once, alone. */
    private static Map<String, String> readYaml(String yaml, List<ConfigProblem> problems) {
        Map<String, String> raw = new LinkedHashMap<>();
        try {
            JsonNode root = YAML.readTree(yaml);
            if (root != null && !root.isMissingNode() && !root.isNull()) {
                if (!root.isObject()) {
                    problems.add(new ConfigProblem("(file)", "", "must be a YAML mapping of keys"));
                } else {
                    flatten("", root, raw);
                }
            }
        } catch (IOException e) {
            throw new InvalidConfigurationException(List.of(new ConfigProblem("(file)", "",
                    "is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""))));
        }
        return raw;
    }

    /** Lays {@code over} over {@code raw}; a type whose fold {@code over} sets loses the fold keys it had. */
    private static void overlay(Map<String, String> raw, Map<String, String> over) {
        Set<String> refolded = new LinkedHashSet<>();
        over.keySet().forEach(key -> typeName(key).filter(type -> isFoldKey(key, type)).ifPresent(refolded::add));
        raw.keySet().removeIf(key -> typeName(key).filter(refolded::contains).filter(type -> isFoldKey(key, type))
                .isPresent());
        raw.putAll(over);
    }

    /** Whether a per-type key chooses or configures the type's fold. */
    private static boolean isFoldKey(String key, String type) {
        String suffix = key.substring(ConfigDefinitions.TYPE_PREFIX.length() + type.length() + 1);
        return suffix.equals("aggregator") || suffix.startsWith("fold.");
    }

    /** A key set that no definition knows is a problem (a typo must not pass for a default). */
    private static void unknownKeys(Map<String, String> raw, Values values) {
        for (String key : raw.keySet()) {
            if (!key.startsWith(ConfigDefinitions.KAFKA_PROPERTIES_PREFIX) && typeName(key).isEmpty()
                    && (key.startsWith(ConfigDefinitions.TYPE_PREFIX) || ConfigDefinitions.global(key).isEmpty())) {
                values.problem(key, "", "is not a known key (see the configuration reference)");
            }
        }
    }

    /** The aggregate type a key {@code aggregate-types.<name>.<type key>} is about. */
    private static Optional<String> typeName(String key) {
        if (!key.startsWith(ConfigDefinitions.TYPE_PREFIX)) {
            return Optional.empty();
        }
        String rest = key.substring(ConfigDefinitions.TYPE_PREFIX.length());
        int dot = rest.indexOf('.');
        return dot > 0 && ConfigDefinitions.typeKey(rest.substring(dot + 1)).isPresent()
                ? Optional.of(rest.substring(0, dot)) : Optional.empty();
    }

    private static SidecarConfig.Kafka kafka(Values values) {
        return new SidecarConfig.Kafka(values.string("kafka.bootstrap-servers"), values.string("kafka.application-id"),
                values.choice("kafka.processing-guarantee", ProcessingGuarantee.class),
                values.path("kafka.state-dir").orElse(Path.of("./state")), values.integer("kafka.replication-factor"),
                values.withPrefix(ConfigDefinitions.KAFKA_PROPERTIES_PREFIX));
    }

    private static SidecarConfig.Topics topics(Values values) {
        List<String> source = values.list("topics.source");
        if (source.isEmpty() && values.isSet("topics.source")) {
            values.problem("topics.source", "", "must name at least one topic");
        }
        return new SidecarConfig.Topics(source, values.string("topics.requests"), values.string("topics.results"),
                values.string("topics.dead-letters"), values.string("topics.commands"),
                values.integer("topics.partitions"));
    }

    private static SidecarConfig.Database database(Values values) {
        Dialect dialect = values.choice("database.dialect", Dialect.class);
        Optional<String> typeColumn = values.optional("database.columns.aggregate-type");
        SidecarConfig.Columns columns = new SidecarConfig.Columns(values.identifier("database.columns.global-position"),
                values.identifier("database.columns.stream-id"), values.identifier("database.columns.stream-version"),
                values.identifier("database.columns.event-type"), values.identifier("database.columns.event-data"),
                values.identifier("database.columns.metadata"), values.identifier("database.columns.created-at"),
                typeColumn.map(c -> values.identifier("database.columns.aggregate-type")));
        SidecarConfig.Connection connection = new SidecarConfig.Connection(values.string("database.jdbc-url"),
                values.string("database.user"), values.optional("database.password"));
        SidecarConfig.Tables tables = new SidecarConfig.Tables(values.identifier("database.schema"),
                values.identifier("database.events-table"), values.identifier("database.snapshots-table"));
        long firstVersion = values.integer("database.first-version");
        SidecarConfig.Pool pool = new SidecarConfig.Pool(values.integer("database.pool-size"),
                values.integer("database.fetch-size"), values.duration("database.statement-timeout"));
        return new SidecarConfig.Database(dialect, connection, tables, columns, firstVersion, pool,
                values.bool("database.check-capture"));
    }

    private static SidecarConfig.Ingest ingest(Values values) {
        return new SidecarConfig.Ingest(values.choice("ingest.timestamp-unit", TimestampUnit.class));
    }

    /** The tracker's keys, and {@code erasure.enabled}, which the tracker acts on. */
    private static SidecarConfig.Tracker tracker(Values values) {
        return new SidecarConfig.Tracker(values.duration("tracker.request-timeout"),
                values.duration("tracker.failure-backoff"), values.duration("tracker.scan-interval"),
                values.integer("tracker.scan-batch"), values.integer("tracker.rebuild-batch"),
                values.bool("erasure.enabled"), values.choice("tracker.partitioning", Partitioning.class));
    }

    private static SidecarConfig.Worker worker(Values values) {
        Duration giveUpAfter = values.duration("worker.retry-give-up-after");
        Duration stuck = values.duration("worker.stuck-build-timeout");
        if (stuck.compareTo(giveUpAfter) <= 0) {
            values.problem("worker.stuck-build-timeout", values.string("worker.stuck-build-timeout"),
                    "must exceed worker.retry-give-up-after (" + values.string("worker.retry-give-up-after")
                            + "): a build retrying transient failures is not hung");
        }
        return new SidecarConfig.Worker(values.integer("worker.concurrency"),
                values.integer("worker.max-builds-per-second"), values.duration("worker.retry-initial-backoff"),
                giveUpAfter, stuck, values.duration("worker.fold-report-interval"));
    }

    private static SidecarConfig.Http http(Values values) {
        return new SidecarConfig.Http(values.integer("http.port"), values.string("http.advertised-host"),
                values.optional("http.admin-token"), values.bool("http.reads-open"));
    }

    private static Optional<Path> pluginDirectory(Values values) {
        Optional<Path> plugins = values.path("plugins.directory");
        plugins.filter(p -> !Files.isDirectory(p)).ifPresent(p ->
                values.problem("plugins.directory", p.toString(), "must be an existing directory"));
        return plugins;
    }

    /** The aggregators the plugin directory (when it exists) and the class path offer, by name. */
    private static Set<String> aggregators(Optional<Path> plugins,
                                           Function<Optional<Path>, Set<String>> aggregatorNames, Values values) {
        try {
            return aggregatorNames.apply(plugins.filter(Files::isDirectory));
        } catch (RuntimeException e) {
            values.problem("plugins.directory", plugins.map(Path::toString).orElse(""),
                    "aggregators could not be loaded: " + e.getMessage());
            return Set.of();
        }
    }

    /** Every type the keys name, in the order the file names them; at least one. */
    private static List<SidecarConfig.AggregateType> aggregateTypes(Map<String, String> raw, Values values,
                                                                    SidecarConfig.Columns columns,
                                                                    Set<String> aggregators) {
        Set<String> names = new LinkedHashSet<>();
        raw.keySet().forEach(key -> typeName(key).ifPresent(names::add));
        if (names.isEmpty()) {
            values.problem("aggregate-types", "",
                    "must define at least one aggregate type, e.g. aggregate-types.patient.aggregator");
        }
        List<SidecarConfig.AggregateType> types = names.stream()
                .map(name -> aggregateType(name, values, columns.aggregateType().isPresent(), aggregators)).toList();
        FoldDefinitions.checkSharedEndpoints(types, values);
        return types;
    }

    private static SidecarConfig.AggregateType aggregateType(String name, Values values, boolean hasTypeColumn,
                                                             Set<String> knownAggregators) {
        String prefix = ConfigDefinitions.TYPE_PREFIX + name + ".";
        if (!TYPE_NAME.matcher(name).matches()) {
            values.problem(ConfigDefinitions.TYPE_PREFIX + name, name,
                    "an aggregate type name must be lower case letters, digits, _ or -, starting with a letter");
        }
        Optional<Pattern> pattern = values.regex(prefix + "stream-id-pattern");
        Optional<String> columnValue = values.optional(prefix + "type-column-value");
        if (values.optional(prefix + "stream-id-pattern").isPresent() == columnValue.isPresent()) {
            values.problem(prefix + "stream-id-pattern", "",
                    "set exactly one of stream-id-pattern and type-column-value for aggregate type " + name);
        }
        if (columnValue.isPresent() && !hasTypeColumn) {
            values.problem(prefix + "type-column-value", columnValue.get(),
                    "needs database.columns.aggregate-type to name the column it is read from");
        }
        SidecarConfig.FoldDefinition fold = FoldDefinitions.parse(name, values, knownAggregators);
        return new SidecarConfig.AggregateType(name, pattern, columnValue, fold, policy(name, values),
                values.integer(prefix + "keep-snapshots"), values.longValue(prefix + "max-snapshot-bytes"));
    }

    /** When a type's streams are due; at least one rule, unless {@code never} says that none is meant. */
    private static SidecarConfig.Policy policy(String name, Values values) {
        String prefix = ConfigDefinitions.TYPE_PREFIX + name + ".";
        SidecarConfig.Thresholds thresholds = new SidecarConfig.Thresholds(values.integer(prefix + "every-n-events"),
                values.bool(prefix + "on-every-save"));
        SidecarConfig.Schedule schedule = new SidecarConfig.Schedule(
                values.optionalDuration(prefix + "schedule.interval"), values.window(prefix + "schedule.window"),
                values.zone(prefix + "schedule.time-zone"), values.integer(prefix + "schedule.min-events"));
        SidecarConfig.Timing timing = new SidecarConfig.Timing(values.optionalDuration(prefix + "idle-after"),
                values.optionalDuration(prefix + "min-interval"));
        SidecarConfig.Tail tail = new SidecarConfig.Tail(new LinkedHashSet<>(values.list(prefix
                + "snapshot-after-events")), values.optionalDuration(prefix + "replay-cost-above"),
                values.longValue(prefix + "replay-cost-prior-micros"));
        SidecarConfig.Policy policy = new SidecarConfig.Policy(thresholds, schedule, timing, tail,
                values.bool(prefix + "never"));
        if (schedule.interval().isPresent() && schedule.window().isPresent()) {
            values.problem(prefix + "schedule.window", schedule.window().get().toString(),
                    "set schedule.interval or schedule.window for aggregate type " + name + ", not both");
        }
        boolean anyRule = thresholds.everyNEvents() > 0 || thresholds.onEverySave() || schedule.interval().isPresent()
                || schedule.window().isPresent() || timing.idleAfter().isPresent()
                || !tail.afterEventTypes().isEmpty() || tail.replayCostAbove().isPresent();
        if (!anyRule && !policy.never()) {
            values.problem(prefix + "every-n-events", "0",
                    "no rule would ever snapshot aggregate type " + name + ": set a rule, or never: true to say so");
        }
        return policy;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if ((node.isObject() || node.isArray()) && isJsonKey(prefix)) {
            out.put(prefix, node.toString());
        } else if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                flatten(prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), field.getValue(), out);
            }
        } else if (node.isArray()) {
            List<String> items = new ArrayList<>();
            node.forEach(item -> items.add(item.asText()));
            out.put(prefix, String.join(",", items));
        } else if (!node.isNull()) {
            out.put(prefix, node.asText());
        }
    }

    /** Whether a key's value is JSON (a YAML mapping or list under it is its value, not more keys). */
    private static boolean isJsonKey(String key) {
        return typeName(key).map(type -> key.substring(ConfigDefinitions.TYPE_PREFIX.length() + type.length() + 1))
                .flatMap(ConfigDefinitions::typeKey).map(k -> k.type() == Type.JSON).orElse(false);
    }

    private static void applyEnvironment(Map<String, String> raw, Map<String, String> environment) {
        Map<String, String> byVariable = new TreeMap<>();
        ConfigDefinitions.GLOBAL_KEYS.forEach(k -> byVariable.put(k.environmentVariable(), k.name()));
        for (String key : raw.keySet()) {
            if (!key.startsWith(ConfigDefinitions.KAFKA_PROPERTIES_PREFIX)) {
                byVariable.put(ConfigKey.environmentVariable(key), key);
            }
        }
        // per-type keys the file does not set yet, for every type the file names
        for (String key : List.copyOf(raw.keySet())) {
            if (key.startsWith(ConfigDefinitions.TYPE_PREFIX)) {
                String type = key.substring(ConfigDefinitions.TYPE_PREFIX.length()).split("\\.", 2)[0];
                for (ConfigKey typeKey : ConfigDefinitions.TYPE_KEYS) {
                    if (typeKey.name().endsWith(".*")) {
                        continue; // a family's keys are overridden only when the file names them
                    }
                    String full = ConfigDefinitions.TYPE_PREFIX + type + "." + typeKey.name();
                    byVariable.putIfAbsent(ConfigKey.environmentVariable(full), full);
                }
            }
        }
        environment.forEach((variable, value) -> {
            if (variable.startsWith(KAFKA_ENV_PREFIX)) {
                String property = variable.substring(KAFKA_ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                raw.put(ConfigDefinitions.KAFKA_PROPERTIES_PREFIX + property, value);
            } else if (byVariable.containsKey(variable)) {
                raw.put(byVariable.get(variable), value);
            }
        });
    }

    private static List<String> effective(Map<String, String> raw, Values values) {
        Map<String, String> all = new TreeMap<>();
        for (ConfigKey key : ConfigDefinitions.GLOBAL_KEYS) {
            values.lookup(key.name()).ifPresent(v -> all.put(key.name(), v));
        }
        all.putAll(raw);
        List<String> lines = new ArrayList<>();
        all.forEach((k, v) -> lines.add(k + " = " + shown(k, v)));
        return lines;
    }

    /**
     * A value as logs and error messages may show it: secret keys and Kafka client properties with a sensitive name
     * ({@link Masking}) masked entirely, a JDBC URL with its passwords masked.
     */
    private static String shown(String key, String value) {
        Optional<ConfigKey> global = ConfigDefinitions.global(key).or(() -> typeName(key).flatMap(type ->
                ConfigDefinitions.typeKey(key.substring(ConfigDefinitions.TYPE_PREFIX.length() + type.length() + 1))));
        if (global.map(ConfigKey::secret).orElse(false)) {
            return Masking.MASK;
        }
        if (global.map(k -> k.type() == Type.JDBC_URL).orElse(false)) {
            return Masking.jdbcUrl(value);
        }
        if (key.startsWith(ConfigDefinitions.KAFKA_PROPERTIES_PREFIX)
                && Masking.sensitiveName(key.substring(ConfigDefinitions.KAFKA_PROPERTIES_PREFIX.length()))) {
            return Masking.MASK;
        }
        return value;
    }

    /** Typed reads of raw values; each read that fails adds a problem and returns a harmless placeholder. */
    static final class Values {
        private final Map<String, String> raw;
        private final List<ConfigProblem> problems;

        Values(Map<String, String> raw, List<ConfigProblem> problems) {
            this.raw = raw;
            this.problems = problems;
        }

        private ConfigKey definition(String key) {
            return ConfigDefinitions.global(key).or(() -> {
                if (key.startsWith(ConfigDefinitions.TYPE_PREFIX)) {
                    String suffix = key.substring(key.indexOf('.', ConfigDefinitions.TYPE_PREFIX.length()) + 1);
                    return ConfigDefinitions.typeKey(suffix);
                }
                return Optional.empty();
            }).orElseThrow(() -> new IllegalArgumentException("undefined key " + key));
        }

        void problem(String key, String value, String rule) {
            problems.add(new ConfigProblem(key, value, rule));
        }

        /** Whether the file or the environment sets the key, even to an empty value. */
        boolean isSet(String key) {
            return raw.containsKey(key);
        }

        /** The keys starting with {@code prefix}, without it, sorted: Kafka client properties. */
        Map<String, String> withPrefix(String prefix) {
            Map<String, String> found = new TreeMap<>();
            raw.forEach((k, v) -> {
                if (k.startsWith(prefix)) {
                    found.put(k.substring(prefix.length()), v);
                }
            });
            return found;
        }

        /** The raw text, or the default (one naming another key takes that key's value); empty when neither. */
        Optional<String> lookup(String key) {
            ConfigKey def = definition(key);
            return Optional.ofNullable(raw.get(key)).map(String::trim).filter(s -> !s.isEmpty())
                    .or(() -> def.defaultValue().map(d -> d.resolve(other -> lookup(other).orElse(""))));
        }

        /** The raw text, or the default; empty when neither (and a problem when required). */
        Optional<String> optional(String key) {
            ConfigKey def = definition(key);
            Optional<String> value = lookup(key);
            if (value.isEmpty() && def.required()) {
                problems.add(new ConfigProblem(key, "", "is required: " + def.doc()));
            }
            return value;
        }

        String string(String key) {
            if (definition(key).type() == Type.ENUM) {
                throw new IllegalArgumentException(key + " is enumerated: read it with choice(), which validates it");
            }
            return optional(key).map(v -> {
                ConfigKey def = definition(key);
                if (def.type() == Type.JDBC_URL && !v.startsWith("jdbc:")) {
                    problems.add(new ConfigProblem(key, shown(key, v), def.rule()));
                }
                return v;
            }).orElse("");
        }

        /** The constant of an enumerated key's enum whose configuration name is the value, spelled exactly. */
        <E extends Enum<E> & ConfigChoice> E choice(String key, Class<E> type) {
            E[] constants = type.getEnumConstants();
            return optional(key).map(v -> Arrays.stream(constants).filter(c -> c.configName().equals(v)).findFirst()
                    .orElseGet(() -> {
                        problems.add(new ConfigProblem(key, shown(key, v), definition(key).rule()));
                        return constants[0];
                    })).orElse(constants[0]);
        }

        String identifier(String key) {
            String v = string(key);
            if (!v.isEmpty() && !IDENTIFIER.matcher(v).matches()) {
                problems.add(new ConfigProblem(key, v, "must be a plain SQL identifier (letters, digits, _)"));
            }
            return v;
        }

        int integer(String key) {
            return (int) number(key);
        }

        long longValue(String key) {
            return number(key);
        }

        /** An INT or LONG in its key's range; a number too large for the type is a problem like any other. */
        private long number(String key) {
            ConfigKey def = definition(key);
            return optional(key).map(v -> {
                if (!INTEGER.matcher(v).matches()) {
                    problems.add(new ConfigProblem(key, v, def.rule()));
                    return 0L;
                }
                BigInteger n = new BigInteger(v);
                if (n.compareTo(BigInteger.valueOf(def.range().min())) < 0) {
                    problems.add(new ConfigProblem(key, v, def.rule()));
                    return 0L;
                }
                if (n.compareTo(BigInteger.valueOf(def.range().max())) > 0) {
                    problems.add(new ConfigProblem(key, v, def.rangeRule()));
                    return 0L;
                }
                return n.longValueExact();
            }).orElse(0L);
        }

        boolean bool(String key) {
            return optional(key).map(v -> {
                if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
                    problems.add(new ConfigProblem(key, v, definition(key).rule()));
                }
                return v.equalsIgnoreCase("true");
            }).orElse(false);
        }

        Optional<Duration> optionalDuration(String key) {
            return optional(key).isPresent() ? Optional.of(duration(key)) : Optional.empty();
        }

        Optional<DailyWindow> window(String key) {
            return optional(key).flatMap(v -> {
                Optional<DailyWindow> window = DailyWindow.parse(v);
                if (window.isEmpty()) {
                    problems.add(new ConfigProblem(key, v, definition(key).rule()));
                }
                return window;
            });
        }

        java.time.ZoneId zone(String key) {
            return optional(key).map(v -> {
                try {
                    return java.time.ZoneId.of(v);
                } catch (java.time.DateTimeException e) {
                    problems.add(new ConfigProblem(key, v, definition(key).rule()));
                    return (java.time.ZoneId) java.time.ZoneOffset.UTC;
                }
            }).orElse(java.time.ZoneOffset.UTC);
        }

        Duration duration(String key) {
            ConfigKey def = definition(key);
            return optional(key).map(v -> {
                Optional<Duration> d = Durations.parse(v);
                // compared as Durations: toMillis() of a Duration beyond Long.MAX_VALUE ms would throw
                if (d.isEmpty() || d.get().compareTo(Duration.ofMillis(def.range().min())) < 0
                        || d.get().compareTo(Duration.ofMillis(def.range().max())) > 0) {
                    problems.add(new ConfigProblem(key, v, def.rule()));
                    return Duration.ofSeconds(1);
                }
                return d.get();
            }).orElse(Duration.ofSeconds(1));
        }

        List<String> list(String key) {
            return optional(key).map(v -> Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .toList()).orElse(List.of());
        }

        Optional<Path> path(String key) {
            return optional(key).map(Path::of);
        }

        Optional<Pattern> regex(String key) {
            return optional(key).flatMap(v -> {
                try {
                    return Optional.of(Pattern.compile(v));
                } catch (PatternSyntaxException e) {
                    problems.add(new ConfigProblem(key, v, definition(key).rule() + " (" + e.getDescription() + ")"));
                    return Optional.empty();
                }
            });
        }
    }
}
