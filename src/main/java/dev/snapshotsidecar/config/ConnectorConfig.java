package dev.snapshotsidecar.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Derives the Debezium connector configuration from the sidecar's own, starting from the template users deploy
 * ({@code connect/postgres.json} or {@code connect/sqlserver.json}), so that the topic, table, column and database
 * names the connector uses cannot drift from the ones the sidecar reads. Pure; no I/O.
 */
public final class ConnectorConfig {
    private static final Pattern POSTGRES_URL = Pattern.compile("jdbc:postgresql://([^:/?]+)(?::(\\d+))?/([^?]+).*");
    private static final Pattern SQLSERVER_URL = Pattern.compile("jdbc:sqlserver://([^:;\\\\]+)(?::(\\d+))?(;.*)?");
    private static final Pattern DATABASE_NAME = Pattern.compile("(?i);(?:databaseName|database)=([^;]+)");

    private static final ObjectMapper JSON = new ObjectMapper();

    private ConnectorConfig() {
    }

    /** A connector file of {@code connect/}: {@code {"name": ..., "config": {...}}}. */
    public record Connector(String name, Map<String, String> config) {
        public Connector {
            config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
        }

        /** The configuration with {@code name} in it, as Connect's validation wants it. */
        public Map<String, String> withName() {
            Map<String, String> all = new LinkedHashMap<>(config);
            all.put("name", name);
            return all;
        }

        public String toJson() {
            ObjectNode root = JSON.createObjectNode();
            root.put("name", name);
            ObjectNode body = root.putObject("config");
            config.forEach(body::put);
            try {
                return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The template of a dialect, {@code connect/<dialect>.json}, as packaged in the jar. */
    public static Connector template(Dialect dialect) {
        String resource = "connect/" + dialect.configName() + ".json";
        try (InputStream in = ConnectorConfig.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the class path");
            }
            JsonNode root = JSON.readTree(in);
            Map<String, String> config = new LinkedHashMap<>();
            root.path("config").fields().forEachRemaining(f -> config.put(f.getKey(), f.getValue().asText()));
            return new Connector(root.path("name").asText(), config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** The template of the configured dialect with everything the sidecar's configuration decides filled in. */
    public static Connector derive(SidecarConfig config) {
        Connector template = template(config.database().dialect());
        return new Connector(template.name(), derive(config, template.config()));
    }

    /**
     * @param template the connector's {@code config} map from the template file
     * @return the template with connection, topic prefix, table, excluded columns, message key and the partitions
     *         and replication factor of the topic it creates set from {@code config}
     * @throws InvalidConfigurationException when the source topic or the JDBC URL does not fit the connector
     */
    public static Map<String, String> derive(SidecarConfig config, Map<String, String> template) {
        SidecarConfig.Database db = config.database();
        String table = db.tables().schema() + "." + db.tables().events();
        String source = config.topics().source().get(0);
        boolean sqlServer = db.dialect() == Dialect.SQL_SERVER;
        List<ConfigProblem> problems = new ArrayList<>();
        Map<String, String> derived = new LinkedHashMap<>(template);

        Matcher url = (sqlServer ? SQLSERVER_URL : POSTGRES_URL).matcher(db.connection().jdbcUrl());
        String database = "";
        if (url.matches()) {
            derived.put("database.hostname", url.group(1));
            derived.put("database.port", url.group(2) != null ? url.group(2) : sqlServer ? "1433" : "5432");
            if (sqlServer) {
                Matcher name = DATABASE_NAME.matcher(url.group(3) == null ? "" : url.group(3));
                database = name.find() ? name.group(1) : "";
            } else {
                database = url.group(3);
            }
        } else {
            problems.add(new ConfigProblem("database.jdbc-url", Masking.jdbcUrl(db.connection().jdbcUrl()),
                    "must be a jdbc:" + (sqlServer ? "sqlserver://host[:port];databaseName=NAME" : "postgresql://host[:port]/NAME")
                            + " URL to derive the connector's connection"));
        }
        // Debezium names topics <prefix>.<schema>.<table> for PostgreSQL, <prefix>.<database>.<schema>.<table> for SQL Server
        String suffix = "." + (sqlServer ? database + "." : "") + table;
        if (source.endsWith(suffix) && source.length() > suffix.length()) {
            derived.put("topic.prefix", source.substring(0, source.length() - suffix.length()));
        } else {
            problems.add(new ConfigProblem("topics.source", source, "must be the connector's topic for the events table,"
                    + " <topic.prefix>" + suffix));
        }
        if (sqlServer) {
            derived.put("database.names", database);
            derived.remove("database.dbname");
        } else {
            derived.put("database.dbname", database);
        }
        derived.put("table.include.list", table);
        derived.put("column.exclude.list", table + "." + db.columns().eventData() + "," + table + "."
                + db.columns().metadata());
        derived.put("message.key.columns", table + ":" + db.columns().streamId());
        // the topic the connector creates has the tracker's partitions, so tracker.partitioning=auto keeps heads in
        // the source partitions (no repartition topic); Connect ignores these when the topic already exists
        derived.put("topic.creation.default.partitions", Integer.toString(config.topics().partitions()));
        derived.put("topic.creation.default.replication.factor", Integer.toString(config.kafka().replicationFactor()));
        if (derived.containsKey("schema.history.internal.kafka.bootstrap.servers")) {
            derived.put("schema.history.internal.kafka.bootstrap.servers", config.kafka().bootstrapServers());
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigurationException(problems);
        }
        return derived;
    }
}
